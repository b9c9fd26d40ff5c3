package org.outboxrelay.delivery;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.bounce.BouncedRecipient;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.state.JobRecord;
import org.outboxrelay.job.SuppressedRecipient;

/**
 * The JSON events published on {@code mail.events}, one per outcome:
 * {@code {"jobId","messageId","status","channel","attempt","smtpReply","recipients":{"accepted","refused"},"at"}}
 * plus {@code reason} (deferred, failed, duplicate, suppressed), {@code fix} (deferred, failed: what a person can
 * do about it, from the reply table; null when it has nothing to say), {@code nextAttemptAt} (deferred) and
 * {@code node} (the relay that decided it). Addresses appear only in {@code refused}, each with the server's reply.
 */
public class DeliveryEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final String node;

    /** @param node this relay's node id, in every event */
    public DeliveryEvents(Clock clock, String node) {
        this.clock = clock;
        this.node = node;
    }

    public String sent(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("result") SendResult result) {
        Map<String, Object> e = base(job, "sent");
        e.put("smtpReply", result.reply());
        List<Map<String, Object>> refused = new ArrayList<>();
        for (SendResult.Refusal r : result.refused()) {
            refused.add(refusal(r, false));
        }
        for (SendResult.Refusal r : result.deferred()) {
            refused.add(refusal(r, true));
        }
        e.put("recipients", recipients(result.accepted().size(), refused));
        return write(e);
    }

    public String deferred(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("failure") DeliveryFailure failure,
            @ExchangeProperty("retry") RetryPolicy.Decision retry) {
        Map<String, Object> e = base(job, "deferred");
        e.put("smtpReply", failure.smtpReply());
        e.put("recipients", recipients(0, refusals(failure, true)));
        e.put("reason", failure.publicReason());
        e.put("fix", failure.fix());
        e.put("nextAttemptAt", retry.nextAttemptAt().toString());
        return write(e);
    }

    public String failed(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("failure") DeliveryFailure failure) {
        Map<String, Object> e = base(job, "failed");
        e.put("smtpReply", failure.smtpReply());
        e.put("recipients", recipients(0, refusals(failure, false)));
        e.put("reason", failure.publicReason());
        e.put("fix", failure.fix());
        return write(e);
    }

    /**
     * Recipients left out of the job because they are on the suppression list (reported once per job and
     * recipient, whatever the attempt): each in {@code refused} with {@code "reply": "suppressed: REASON"}.
     */
    public String suppressed(@ExchangeProperty("job") QueuedJob job) {
        Map<String, Object> e = base(job, "suppressed");
        e.put("smtpReply", null);
        List<Map<String, Object>> refused = new ArrayList<>();
        for (SuppressedRecipient r : job.getSuppressed()) {
            if (r.firstTime()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("address", r.address());
                m.put("reply", "suppressed: " + r.reason());
                m.put("reason", r.reason());
                refused.add(m);
            }
        }
        e.put("recipients", recipients(0, refused));
        e.put("reason", refused.size() + " recipient(s) on the suppression list left out, nothing sent to them");
        return write(e);
    }

    /**
     * What a report in the account's mailbox said about a sent job, once the SMTP server had accepted it:
     * {@code "bounced"} (recipients bounced for good, kind hard, or delayed, kind soft) or {@code "complained"}
     * (an ARF complaint). Each recipient is in {@code refused} with the reported status and diagnostic as its
     * reply, and {@code suppressed} when it went on the suppression list because of it.
     */
    public String report(String status, JobRecord job, String reportId, List<BouncedRecipient> reported,
            String reason) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("jobId", job.id());
        e.put("messageId", job.messageId());
        e.put("status", status);
        e.put("channel", job.channel());
        e.put("attempt", job.attempts());
        e.put("at", clock.instant().toString());
        e.put("smtpReply", null);
        List<Map<String, Object>> refused = new ArrayList<>();
        for (BouncedRecipient r : reported) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", r.address());
            m.put("reply", r.status() == null ? r.diagnostic() : r.diagnostic() == null ? r.status()
                    : r.diagnostic().contains(r.status()) ? r.diagnostic() : r.status() + " " + r.diagnostic());
            m.put("kind", r.kind());
            if (r.status() != null) {
                m.put("status", r.status());
            }
            if (r.action() != null) {
                m.put("action", r.action());
            }
            if (r.suppressed() != null) {
                m.put("suppressed", r.suppressed());
            }
            refused.add(m);
        }
        e.put("recipients", recipients(0, refused));
        e.put("reportId", reportId);
        e.put("reason", reason);
        return write(e);
    }

    public String duplicate(@ExchangeProperty("job") QueuedJob job) {
        Map<String, Object> e = base(job, "duplicate");
        e.put("smtpReply", null);
        e.put("recipients", recipients(0, List.of()));
        e.put("reason", "a job with this id is already " + job.getDuplicateOf());
        return write(e);
    }

    /** An outbox file that did not become a job: failed (invalid) or duplicate; no delivery was attempted. */
    public String rejected(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("failure") DeliveryFailure failure,
            @org.apache.camel.Header(org.apache.camel.Exchange.FILE_NAME_ONLY) String fileName) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("jobId", job == null ? null : job.getId());
        e.put("messageId", null);
        e.put("status", job != null && job.isDuplicate() ? "duplicate" : "failed");
        e.put("channel", "outbox");
        e.put("attempt", 0);
        e.put("file", job != null ? job.getOutboxFile() : fileName);
        e.put("node", node);
        e.put("at", clock.instant().toString());
        e.put("smtpReply", null);
        e.put("recipients", recipients(0, List.of()));
        e.put("reason", failure == null ? null : failure.publicReason());
        return write(e);
    }

    private Map<String, Object> base(QueuedJob job, String status) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("jobId", job.getId());
        e.put("messageId", job.getMessageId());
        e.put("status", status);
        e.put("channel", job.getChannel().id());
        e.put("attempt", job.getAttempt());
        if (job.getOutboxFile() != null) {
            e.put("file", job.getOutboxFile());
        }
        e.put("node", node);
        e.put("at", clock.instant().toString());
        return e;
    }

    private static List<Map<String, Object>> refusals(DeliveryFailure failure, boolean retried) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SendResult.Refusal r : failure.refused()) {
            out.add(refusal(r, retried && r.code() / 100 == 4));
        }
        return out;
    }

    private static Map<String, Object> refusal(SendResult.Refusal r, boolean deferred) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", r.address());
        m.put("reply", r.reply());
        if (deferred) {
            m.put("retried", true);
        }
        return m;
    }

    private static Map<String, Object> recipients(int accepted, List<Map<String, Object>> refused) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accepted", accepted);
        m.put("refused", refused);
        return m;
    }

    private static String write(Map<String, Object> event) {
        try {
            return JSON.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
