package org.outboxrelay.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The OpenAPI 3.1 description of the API, {@code openapi/openapi.json} on the classpath (kept in the repository
 * under {@code src/main/resources}), served at {@code GET /api/v1/openapi.json}. It also says which methods each
 * path takes, for the {@code Allow} header of a 405. A test checks it against the REST routes.
 */
public class ApiDescription {

    public static final String RESOURCE = "/openapi/openapi.json";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");

    private final String json;
    private final Map<String, Set<String>> operations;

    public ApiDescription() {
        try (InputStream in = ApiDescription.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            operations = operations(new ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ApiReply reply() {
        return ApiReply.json(200, json);
    }

    /**
     * Every documented path in the order of the document, as the server sees it (base path included), with its
     * methods in upper case.
     */
    public Map<String, Set<String>> operations() {
        return operations;
    }

    /**
     * The base path of a path item: its own {@code servers} (the unsubscribe links at {@code /u/}, outside the
     * API), else the document's.
     */
    public static String base(JsonNode pathItem, String documentBase) {
        String base = pathItem.path("servers").path(0).path("url").asText(documentBase);
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    private static Map<String, Set<String>> operations(JsonNode doc) {
        String base = doc.path("servers").path(0).path("url").asText("");
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            Set<String> methods = new TreeSet<>();
            path.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    methods.add(m.toUpperCase(Locale.ROOT));
                }
            });
            out.put(base(path.getValue(), base) + path.getKey(), Set.copyOf(methods));
        }
        return Collections.unmodifiableMap(out);
    }
}
