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
 * {@code {"jobId","messageId","status","channel","attempt",["file",]"at","smtpReply",
 * "recipients":{"accepted","refused":[{"address","reply"[,"retried"]}]}[,"reason"][,"nextAttemptAt"]}}.
 * {@code reason} is there for every status but {@code sent}; {@code file} for jobs from the outbox;
 * {@code nextAttemptAt} for {@code deferred}.
 */
public record OutcomeEvent(String jobId, String messageId, Status status, String channel, int attempt, String file,
        Instant at, String smtpReply, int accepted, List<Refused> refused, String reason, Instant nextAttemptAt) {

    private static final JsonFactory JSON = new JsonFactory();

    /** The status of the event ({@code "status"} in its JSON). */
    public enum Status {
        SENT, DEFERRED, FAILED, DUPLICATE;

        private final String id = name().toLowerCase(Locale.ROOT);

        public String id() {
            return id;
        }
    }

    /** A recipient the server did not take, with its reply; {@code retried} when the job tries it again later. */
    public record Refused(String address, String reply, boolean retried) {
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
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("jobId", jobId);
            g.writeStringField("messageId", messageId);
            g.writeStringField("status", status.id());
            g.writeStringField("channel", channel);
            g.writeNumberField("attempt", attempt);
            if (file != null) {
                g.writeStringField("file", file);
            }
            g.writeStringField("at", at.toString());
            g.writeStringField("smtpReply", smtpReply);
            g.writeObjectFieldStart("recipients");
            g.writeNumberField("accepted", accepted);
            g.writeArrayFieldStart("refused");
            for (Refused r : refused) {
                g.writeStartObject();
                g.writeStringField("address", r.address());
                g.writeStringField("reply", r.reply());
                if (r.retried()) {
                    g.writeBooleanField("retried", true);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            if (hasReason()) {
                g.writeStringField("reason", reason);
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
}
