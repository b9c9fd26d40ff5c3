package org.outboxrelay.http;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Header;
import org.outboxrelay.state.JobEvent;
import org.outboxrelay.state.JobRecord;
import org.outboxrelay.state.RecipientState;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.RecipientOutcome;

/**
 * What {@code GET /api/v1/mails/{id}} answers, for a job of any channel: {@code id}, {@code status}
 * ({@code queued}, {@code deferred}, {@code sent}, {@code failed}), {@code channel}, {@code attempts},
 * {@code submittedAt}, {@code updatedAt}, and as far as known {@code messageId}, {@code smtpReply},
 * {@code reason}, {@code nextAttemptAt} (deferred) and {@code recipients} (sent:
 * {@code {"accepted": n, "refused": [{"address","reply"}]}}), with what was learnt of recipients later or why
 * they were left out: {@code bounced}, {@code delayed}, {@code complained}
 * ({@code [{"address","status","action","diagnostic","at"}]}) and {@code suppressed}
 * ({@code [{"address","reason","at"}]}); {@code node} (the relay that last worked on it), {@code recipientStatus}
 * (each recipient: pending, sent, refused, deferred, bounced, delayed, suppressed) and {@code history} (its newest
 * {@value #HISTORY} events, oldest first). Every relay sharing the store answers the same.
 */
public class JobStatusView {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The newest history entries a status shows. */
    static final int HISTORY = 50;

    private final JobStateStore store;
    private volatile Function<String, List<RecipientOutcome>> outcomes = id -> List.of();

    public JobStatusView(JobStateStore store) {
        this.store = store;
    }

    /**
     * Where the bounces, delays, complaints and suppressions of a job's recipients are read (the deliverability
     * store); without it the status has none.
     */
    public void setRecipientOutcomes(Function<String, List<RecipientOutcome>> outcomes) {
        this.outcomes = outcomes;
    }

    /**
     * The answer to a status query; an unknown id is a 404. The header {@code id} holds the path parameter, after
     * any request header or query parameter of the same name (platform-http appends them in that order).
     */
    public ApiReply reply(@Header("id") Object idHeader) throws ApiException {
        String id = parameter(idHeader);
        JobRecord record = store.find(id).orElseThrow(() -> new ApiException(404, "No job with id \"" + id
                + "\" is known: it was never accepted, or it was forgotten after relay.status.retention."));
        return ApiReply.json(200, write(describe(record)));
    }

    /**
     * A path or query parameter from its header: platform-http gives a request header and a query parameter of
     * the same name first and the path parameter last, as a list.
     */
    static String parameter(Object header) {
        Object last = header instanceof List<?> values && !values.isEmpty() ? values.get(values.size() - 1) : header;
        return String.valueOf(last);
    }

    public ObjectNode describe(JobRecord r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", r.id());
        n.put("status", r.status().id());
        n.put("channel", r.channel());
        n.put("attempts", r.attempts());
        putIfSet(n, "messageId", r.messageId());
        putIfSet(n, "smtpReply", r.smtpReply());
        putIfSet(n, "reason", r.reason());
        putIfSet(n, "nextAttemptAt", r.nextAttemptAt());
        ObjectNode recipients = null;
        if (r.accepted() != null) {
            recipients = n.putObject("recipients");
            recipients.put("accepted", r.accepted());
            recipients.set("refused", refused(r.refusedJson()));
        }
        List<RecipientOutcome> later = outcomes.apply(r.id());
        if (!later.isEmpty()) {
            if (recipients == null) {
                recipients = n.putObject("recipients");
            }
            for (RecipientOutcome o : later) {
                ArrayNode list = recipients.has(o.kind().id()) ? (ArrayNode) recipients.get(o.kind().id())
                        : recipients.putArray(o.kind().id());
                ObjectNode entry = list.addObject();
                entry.put("address", o.address());
                if (o.kind() == RecipientOutcome.Kind.SUPPRESSED) {
                    entry.put("reason", o.detail());
                } else {
                    putIfSet(entry, "status", o.statusCode());
                    putIfSet(entry, "action", o.action());
                    putIfSet(entry, "diagnostic", o.detail());
                }
                putIfSet(entry, "at", o.at());
            }
        }
        putIfSet(n, "submittedAt", r.createdAt());
        putIfSet(n, "updatedAt", r.updatedAt());
        putIfSet(n, "node", r.node());
        if (!r.recipients().isEmpty()) {
            ArrayNode each = n.putArray("recipientStatus");
            for (RecipientState s : r.recipients()) {
                ObjectNode e = each.addObject();
                e.put("address", s.address());
                e.put("status", s.status());
                putIfSet(e, "reply", s.reply());
            }
        }
        List<JobEvent> events = store.history(r.id(), HISTORY);
        if (!events.isEmpty()) {
            ArrayNode history = n.putArray("history");
            for (JobEvent ev : events) {
                ObjectNode e = history.addObject();
                putIfSet(e, "at", ev.at());
                e.put("status", ev.status());
                putIfSet(e, "node", ev.node());
                putIfSet(e, "attempt", ev.attempt());
                putIfSet(e, "messageId", ev.messageId());
                putIfSet(e, "smtpReply", ev.smtpReply());
                putIfSet(e, "reason", ev.reason());
                putIfSet(e, "nextAttemptAt", ev.nextAttemptAt());
            }
        }
        return n;
    }

    private static JsonNode refused(String json) {
        if (json == null || json.isBlank()) {
            return JSON.createArrayNode();
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return JSON.createArrayNode();
        }
    }

    private static void putIfSet(ObjectNode n, String field, Object value) {
        if (value instanceof Instant i) {
            n.put(field, i.toString());
        } else if (value != null) {
            n.put(field, value.toString());
        }
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
