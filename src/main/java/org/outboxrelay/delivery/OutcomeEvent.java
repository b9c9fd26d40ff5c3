package org.outboxrelay.delivery;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * One outcome of a job, as the routes pass it on: built once by {@link DeliveryEvents}, read as it is by the
 * audit trail and the metrics, and serialized once, by {@link #toJson}, into the event of the contract on
 * {@code mail.events}:
 * {@code {"jobId","messageId","status","channel","attempt",["file",]["node",]"at","smtpReply",
 * "recipients":{"accepted","refused":[...]}[,"reportId"][,"reason"][,"fix"][,"nextAttemptAt"]}}.
 * Which of the optional fields an event has depends on what it is {@link About about} and its status:
 * <ul>
 * <li>{@code file}: a job from the outbox; always for an outbox file that did not become a job;</li>
 * <li>{@code node}: every event but a report's (a report is the mailbox's word, not a relay's decision);</li>
 * <li>{@code reportId}: a report's event (bounced, complained);</li>
 * <li>{@code reason}: every status but {@code sent}, even when it is unknown (null);</li>
 * <li>{@code fix}: a job's deferred or failed attempt (null when the reply table has nothing to say);</li>
 * <li>{@code nextAttemptAt}: deferred.</li>
 * </ul>
 */
public record OutcomeEvent(About about, String jobId, String messageId, Status status, String channel, int attempt,
        String file, String node, Instant at, String smtpReply, int accepted, List<Recipient> refused,
        String reportId, String reason, String fix, Instant nextAttemptAt) {

    private static final JsonFactory JSON = new JsonFactory();

    /** What the event is about. */
    public enum About {
        /** A job's attempt or outcome in the delivery path. */
        JOB,
        /** An outbox file that did not become a job (invalid, or a duplicate): no delivery was attempted. */
        OUTBOX_FILE,
        /** What a report in the account's mailbox said about a sent job. */
        REPORT
    }

    /** The status of the event ({@code "status"} in its JSON). */
    public enum Status {
        SENT, DEFERRED, FAILED, DUPLICATE, SUPPRESSED, BOUNCED, COMPLAINED;

        private final String id = name().toLowerCase(Locale.ROOT);

        public String id() {
            return id;
        }
    }

    /**
     * A recipient the job did not reach (yet), with its reply: {@code retried} when the job tries it again later,
     * {@code reason} why it is on the suppression list, {@code report} what a report said about it.
     */
    public record Recipient(String address, String reply, boolean retried, String reason, ReportedStatus report) {

        public static Recipient refused(String address, String reply, boolean retried) {
            return new Recipient(address, reply, retried, null, null);
        }
    }

    /**
     * What a report said about one recipient: {@code kind} hard, soft or complaint, its status and action when the
     * report had them, and the reason it was put on the suppression list now (null when it was not).
     */
    public record ReportedStatus(String kind, String status, String action, String suppressed) {
    }

    public OutcomeEvent {
        refused = List.copyOf(refused);
    }

    /** Whether the event says why (every status but sent does, even when the reason is unknown: null). */
    public boolean hasReason() {
        return status != Status.SENT;
    }

    /** The code of the SMTP reply (its first three digits), or null when there was none. */
    public Integer smtpCode() {
        String r = smtpReply;
        return r != null && r.length() >= 3 && Character.isDigit(r.charAt(0)) && Character.isDigit(r.charAt(1))
                && Character.isDigit(r.charAt(2)) ? Integer.valueOf(r.substring(0, 3)) : null;
    }

    /** The event as published on mail.events. */
    public String toJson() {
        StringWriter out = new StringWriter(320);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("jobId", jobId);
            g.writeStringField("messageId", messageId);
            g.writeStringField("status", status.id());
            g.writeStringField("channel", channel);
            g.writeNumberField("attempt", attempt);
            if (about == About.OUTBOX_FILE || about == About.JOB && file != null) {
                g.writeStringField("file", file);
            }
            if (about != About.REPORT) {
                g.writeStringField("node", node);
            }
            g.writeStringField("at", at.toString());
            g.writeStringField("smtpReply", smtpReply);
            g.writeObjectFieldStart("recipients");
            g.writeNumberField("accepted", accepted);
            g.writeArrayFieldStart("refused");
            for (Recipient r : refused) {
                write(g, r);
            }
            g.writeEndArray();
            g.writeEndObject();
            if (about == About.REPORT) {
                g.writeStringField("reportId", reportId);
            }
            if (hasReason()) {
                g.writeStringField("reason", reason);
            }
            if (about == About.JOB && (status == Status.DEFERRED || status == Status.FAILED)) {
                g.writeStringField("fix", fix);
            }
            if (nextAttemptAt != null) {
                g.writeStringField("nextAttemptAt", nextAttemptAt.toString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String writer does not fail
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Recipient r) throws IOException {
        g.writeStartObject();
        g.writeStringField("address", r.address());
        g.writeStringField("reply", r.reply());
        if (r.retried()) {
            g.writeBooleanField("retried", true);
        }
        if (r.reason() != null) {
            g.writeStringField("reason", r.reason());
        }
        ReportedStatus s = r.report();
        if (s != null) {
            g.writeStringField("kind", s.kind());
            if (s.status() != null) {
                g.writeStringField("status", s.status());
            }
            if (s.action() != null) {
                g.writeStringField("action", s.action());
            }
            if (s.suppressed() != null) {
                g.writeStringField("suppressed", s.suppressed());
            }
        }
        g.writeEndObject();
    }
}
