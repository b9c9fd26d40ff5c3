package org.outboxrelay.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * Turns the JSON of a mail job into a {@link MailJob}, validating it against the shipped JSON Schema
 * ({@code schema/mail-job.schema.json}) and then checking what a schema cannot: that every address parses
 * and that extra headers do not replace the ones the relay sets. Every problem is reported, each named by
 * its field.
 */
public class MailJobParser {

    /** Headers the relay builds itself; a job may not set them through "headers". */
    private static final Set<String> RESERVED_HEADERS = Set.of("from", "sender", "reply-to", "to", "cc", "bcc",
            "subject", "date", "message-id", "mime-version", "content-type", "content-transfer-encoding",
            "content-disposition", "content-id", "return-path", "received", "resent-from", "resent-to",
            "resent-cc", "resent-bcc", "resent-sender", "resent-date", "resent-message-id");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final JsonSchema SCHEMA = loadSchema();

    private static JsonSchema loadSchema() {
        try (InputStream in = MailJobParser.class.getResourceAsStream("/schema/mail-job.schema.json")) {
            if (in == null) {
                throw new IllegalStateException("schema/mail-job.schema.json is missing from the classpath");
            }
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses and validates the UTF-8 JSON text of one job. */
    public MailJob parse(byte[] json) throws InvalidJobException {
        return parse(readTree(json));
    }

    /**
     * The JSON tree of a job's payload, or null when it is no JSON (or empty, or not UTF-8): the doors and the
     * delivery route read the job's id from it, and validation reports why there is none.
     */
    public static JsonNode treeOrNull(byte[] json) {
        try {
            return readTree(json);
        } catch (InvalidJobException e) {
            return null;
        }
    }

    /** A JSON job's own "id" when it is a non-empty string; null otherwise (the schema says what is wrong). */
    public static String ownId(JsonNode tree) {
        JsonNode id = tree == null ? null : tree.get("id");
        return id != null && id.isTextual() && !id.asText().isEmpty() ? id.asText() : null;
    }

    /** Reads JSON text, reporting where it is malformed. */
    public static JsonNode readTree(byte[] json) throws InvalidJobException {
        if (json == null || json.length == 0) {
            throw new InvalidJobException("(job)", "is empty");
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json));
        } catch (CharacterCodingException e) {
            throw new InvalidJobException("(job)", "is not UTF-8 text (binary data?)");
        }
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new InvalidJobException("(job)", "is empty");
            }
            return node;
        } catch (JsonParseException e) {
            throw new InvalidJobException("(job)", "malformed JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new InvalidJobException("(job)", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidJobException("(job)", "unreadable: " + e.getMessage());
        }
    }

    /** Validates an already parsed JSON node (one job of a batch, say). */
    public MailJob parse(JsonNode node) throws InvalidJobException {
        if (!node.isObject()) {
            throw new InvalidJobException("(job)", "must be a JSON object, found " + describe(node));
        }
        List<FieldError> errors = schemaErrors(node);
        MailJob job = toJob(node);
        // what the schema cannot check, for the fields it found nothing wrong with: all problems at once
        List<FieldError> more = new ArrayList<>();
        more.addAll(addressErrors(job));
        more.addAll(headerErrors(job));
        more.addAll(attachmentErrors(job));
        for (FieldError e : more) {
            if (errors.stream().noneMatch(known -> known.field().equals(e.field())
                    || e.field().startsWith(known.field() + "[") || known.field().startsWith(e.field() + "["))) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidJobException(errors);
        }
        return job;
    }

    private static List<FieldError> schemaErrors(JsonNode node) {
        Set<ValidationMessage> messages = SCHEMA.validate(node);
        Map<String, FieldError> errors = new LinkedHashMap<>();
        messages.stream()
                .sorted(Comparator.comparing(m -> m.getInstanceLocation().toString()))
                .forEach(m -> {
                    FieldError e = explain(m);
                    if (e != null) {
                        errors.putIfAbsent(e.toString(), e);
                    }
                });
        return new ArrayList<>(errors.values());
    }

    /** Rewrites the validator's generic wording into what a sender of a job needs to read. */
    private static FieldError explain(ValidationMessage m) {
        String field = fieldName(m.getInstanceLocation().toString());
        String schemaPath = m.getSchemaLocation() == null ? "" : m.getSchemaLocation().toString();
        Object[] args = m.getArguments();
        switch (m.getType()) {
            case "required": {
                String property = m.getProperty();
                if (schemaPath.contains("/then/anyOf/")) {
                    return new FieldError("text", "a body is required: text, html, or a template");
                }
                if (schemaPath.contains("/attachments/") && schemaPath.contains("/oneOf/")) {
                    return null; // explained by the oneOf of attachments
                }
                if (schemaPath.contains("/then/")) {
                    return new FieldError(join(field, property), "is required unless a template gives it");
                }
                if (schemaPath.contains("/anyOf/")) {
                    return null; // reported once, by the anyOf below
                }
                return new FieldError(join(field, property), "is required");
            }
            case "anyOf":
                if (schemaPath.contains("/then/")) {
                    return new FieldError("text", "a body is required: text, html, or a template");
                }
                if (field.equals("(job)")) {
                    return new FieldError("to", "at least one recipient is required (to, cc or bcc)");
                }
                return new FieldError(field, m.getError());
            case "additionalProperties":
                return new FieldError(join(field, m.getProperty()), "is not a known field");
            case "pattern":
                if (schemaPath.contains("headerText")) {
                    return new FieldError(field, "must not contain a line break (header injection)");
                }
                return new FieldError(field, "has an invalid format");
            case "oneOf":
                if (schemaPath.contains("/attachments/")) {
                    return new FieldError(field, "needs exactly one of contentBase64 or path");
                }
                if (schemaPath.contains("recipients")) {
                    return null; // the branch that applies reports the real problem
                }
                return new FieldError(field, m.getError());
            case "type":
                if (schemaPath.contains("recipients") && args != null && args.length > 1
                        && String.valueOf(args[1]).equals("array")) {
                    return null; // string-or-array: the string branch already said what was wrong
                }
                if (schemaPath.contains("recipients") && args != null && args.length > 1
                        && String.valueOf(args[1]).equals("string") && !field.matches(".*\\[\\d+]$")) {
                    return new FieldError(field, "must be an address, a comma-separated string or a list of them");
                }
                return new FieldError(field, m.getError());
            case "not":
                return null; // explained by the oneOf of attachments
            case "propertyNames":
                return new FieldError(field, "a header name must be 1 to 76 printable ASCII characters, without"
                        + " spaces or ':' (header injection)");
            default:
                return new FieldError(field, m.getError());
        }
    }

    private static String fieldName(String instanceLocation) {
        if (instanceLocation.equals("$")) {
            return "(job)";
        }
        return instanceLocation.startsWith("$.") ? instanceLocation.substring(2) : instanceLocation;
    }

    private static String join(String field, String property) {
        return field.equals("(job)") ? property : field + "." + property;
    }

    private static String describe(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static MailJob toJob(JsonNode n) {
        List<Attachment> attachments = new ArrayList<>();
        for (JsonNode a : n.path("attachments")) {
            attachments.add(new Attachment(text(a, "filename"), text(a, "contentType"), text(a, "contentBase64"),
                    text(a, "path"), a.path("inline").asBoolean(false), text(a, "contentId")));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("headers").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isTextual()) {
                headers.put(e.getKey(), e.getValue().asText());
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> model = n.path("model").isObject() ? MAPPER.convertValue(n.get("model"), Map.class)
                : Map.of();
        return new MailJob(text(n, "id"), text(n, "from"), text(n, "replyTo"),
                recipients(n.get("to")), recipients(n.get("cc")), recipients(n.get("bcc")),
                text(n, "subject"), text(n, "text"), text(n, "html"), text(n, "template"), text(n, "locale"),
                model, attachments, headers, unsubscribe(n.get("unsubscribe")));
    }

    private static MailJob.Unsubscribe unsubscribe(JsonNode v) {
        return v != null && v.isObject() && v.path("list").isTextual() ? new MailJob.Unsubscribe(v.get("list").asText())
                : null;
    }

    /** The text of a field; null when absent or not text (the schema reports that). */
    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }

    /** "a@x, b@y" or ["a@x", "b@y"]: kept as written, split by {@link Addresses} when checked. */
    private static List<String> recipients(JsonNode v) {
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isArray()) {
            v.forEach(item -> {
                if (item.isTextual()) {
                    out.add(item.asText());
                }
            });
        } else if (v.isTextual()) {
            out.add(v.asText());
        }
        return out;
    }

    private static List<FieldError> addressErrors(MailJob job) {
        List<FieldError> errors = new ArrayList<>();
        Addresses.check("from", job.from(), false, errors);
        Addresses.check("replyTo", job.replyTo(), true, errors);
        int total = 0;
        total += Addresses.checkList("to", job.to(), errors);
        total += Addresses.checkList("cc", job.cc(), errors);
        total += Addresses.checkList("bcc", job.bcc(), errors);
        if (total == 0 && errors.isEmpty()) {
            errors.add(new FieldError("to", "at least one recipient is required (to, cc or bcc)"));
        }
        return errors;
    }

    private static List<FieldError> headerErrors(MailJob job) {
        List<FieldError> errors = new ArrayList<>();
        job.headers().keySet().forEach(name -> {
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                errors.add(new FieldError("headers." + name, "is set by the relay and cannot be given here"));
            } else if (job.unsubscribe() != null && name.toLowerCase(Locale.ROOT).startsWith("list-unsubscribe")) {
                errors.add(new FieldError("headers." + name, "is set by the relay for \"unsubscribe\"; give one"
                        + " or the other"));
            }
        });
        return errors;
    }

    /** Why an attachment path can never be a file inside relay.attachments.dir, or null. */
    static String pathProblem(String path) {
        try {
            java.nio.file.Path p = java.nio.file.Path.of(path);
            if (p.isAbsolute() || path.startsWith("/") || path.startsWith("\\")) {
                return "must be relative to relay.attachments.dir, not absolute";
            }
            if (p.normalize().startsWith("..")) {
                return "leaves relay.attachments.dir";
            }
            return null;
        } catch (java.nio.file.InvalidPathException e) {
            return "is not a file path";
        }
    }

    private static List<FieldError> attachmentErrors(MailJob job) {
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < job.attachments().size(); i++) {
            Attachment a = job.attachments().get(i);
            if (a.contentBase64() != null) {
                try {
                    Base64.getMimeDecoder().decode(a.contentBase64());
                    if (!a.contentBase64().matches("[A-Za-z0-9+/=\\s]*")) {
                        throw new IllegalArgumentException("unexpected character");
                    }
                } catch (IllegalArgumentException e) {
                    errors.add(new FieldError("attachments[" + i + "].contentBase64", "is not valid base64"));
                }
            }
            if (a.path() != null) {
                // the folder is only known at delivery (relay.attachments.dir); a path that cannot be inside any
                // folder is refused now, at every door
                String problem = pathProblem(a.path());
                if (problem != null) {
                    errors.add(new FieldError("attachments[" + i + "].path", problem));
                }
            }
            if (a.inline() && (a.contentId() == null || a.contentId().isBlank())) {
                errors.add(new FieldError("attachments[" + i + "].contentId", "is required for an inline part"));
            }
        }
        return errors;
    }
}
