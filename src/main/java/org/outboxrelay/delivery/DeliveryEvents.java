package org.outboxrelay.delivery;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.Message;
import org.outboxrelay.bounce.BouncedRecipient;
import org.outboxrelay.delivery.OutcomeEvent.About;
import org.outboxrelay.delivery.OutcomeEvent.Recipient;
import org.outboxrelay.delivery.OutcomeEvent.Status;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.SuppressedRecipient;
import org.outboxrelay.state.JobRecord;

/**
 * The events published on {@code mail.events}, one per outcome, as {@link OutcomeEvent}s: built here once, from
 * the job and what happened to it, then read by the audit trail and the metrics as they are, and serialized
 * once, for {@code mail.events}, by {@link #asTopicMessage}:
 * {@code {"jobId","messageId","status","channel","attempt","smtpReply","recipients":{"accepted","refused"},"at"}}
 * plus {@code reason} (deferred, failed, duplicate, suppressed), {@code fix} (deferred, failed: what a person can
 * do about it, from the reply table; null when it has nothing to say), {@code nextAttemptAt} (deferred) and
 * {@code node} (the relay that decided it). Addresses appear only in {@code refused}, each with the server's reply.
 */
public class DeliveryEvents {

    private final Clock clock;
    private final String node;

    /** @param node this relay's node id, in every event */
    public DeliveryEvents(Clock clock, String node) {
        this.clock = clock;
        this.node = node;
    }

    public OutcomeEvent sent(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("result") SendResult result) {
        List<Recipient> refused = new ArrayList<>();
        for (SendResult.Refusal r : result.refused()) {
            refused.add(Recipient.refused(r.address(), r.reply(), false));
        }
        for (SendResult.Refusal r : result.deferred()) {
            refused.add(Recipient.refused(r.address(), r.reply(), true));
        }
        return event(job, Status.SENT, result.reply(), result.accepted().size(), refused, null, null, null);
    }

    public OutcomeEvent deferred(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("failure") DeliveryFailure failure, @ExchangeProperty("retry") RetryPolicy.Decision retry) {
        return event(job, Status.DEFERRED, failure.smtpReply(), 0, refusals(failure, true), failure.publicReason(),
                failure.fix(), retry.nextAttemptAt());
    }

    public OutcomeEvent failed(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("failure") DeliveryFailure failure) {
        return event(job, Status.FAILED, failure.smtpReply(), 0, refusals(failure, false), failure.publicReason(),
                failure.fix(), null);
    }

    /**
     * Recipients left out of the job because they are on the suppression list (reported once per job and
     * recipient, whatever the attempt): each in {@code refused} with {@code "reply": "suppressed: REASON"}.
     */
    public OutcomeEvent suppressed(@ExchangeProperty("job") QueuedJob job) {
        List<Recipient> refused = new ArrayList<>();
        for (SuppressedRecipient r : job.getSuppressed()) {
            if (r.firstTime()) {
                refused.add(new Recipient(r.address(), "suppressed: " + r.reason(), false, r.reason(), null));
            }
        }
        return event(job, Status.SUPPRESSED, null, 0, refused,
                refused.size() + " recipient(s) on the suppression list left out, nothing sent to them", null, null);
    }

    /**
     * What a report in the account's mailbox said about a sent job, once the SMTP server had accepted it:
     * {@code "bounced"} (recipients bounced for good, kind hard, or delayed, kind soft) or {@code "complained"}
     * (an ARF complaint). Each recipient is in {@code refused} with the reported status and diagnostic as its
     * reply, and {@code suppressed} when it went on the suppression list because of it.
     */
    public OutcomeEvent report(String status, JobRecord job, String reportId, List<BouncedRecipient> reported,
            String reason) {
        List<Recipient> refused = new ArrayList<>();
        for (BouncedRecipient r : reported) {
            String reply = r.status() == null ? r.diagnostic() : r.diagnostic() == null ? r.status()
                    : r.diagnostic().contains(r.status()) ? r.diagnostic() : r.status() + " " + r.diagnostic();
            refused.add(new Recipient(r.address(), reply, false, null,
                    new OutcomeEvent.ReportedStatus(r.kind(), r.status(), r.action(), r.suppressed())));
        }
        return new OutcomeEvent(About.REPORT, job.id(), job.messageId(), Status.valueOf(status.toUpperCase(
                java.util.Locale.ROOT)), job.channel(), job.attempts(), null, null, clock.instant(), null, 0,
                refused, reportId, reason, null, null);
    }

    public OutcomeEvent duplicate(@ExchangeProperty("job") QueuedJob job) {
        return event(job, Status.DUPLICATE, null, 0, List.of(), "a job with this id is already "
                + job.getDuplicateOf(), null, null);
    }

    /** An outbox file that did not become a job: failed (invalid) or duplicate; no delivery was attempted. */
    public OutcomeEvent rejected(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("failure") DeliveryFailure failure,
            @Header(Exchange.FILE_NAME_ONLY) String fileName) {
        return new OutcomeEvent(About.OUTBOX_FILE, job == null ? null : job.getId(), null,
                job != null && job.isDuplicate() ? Status.DUPLICATE : Status.FAILED, "outbox", 0,
                job != null ? job.getOutboxFile() : fileName, node, clock.instant(), null, 0, List.of(), null,
                failure == null ? null : failure.publicReason(), null, null);
    }

    /**
     * Makes the message the event in the body is published as on {@code mail.events}: its JSON (the one place an
     * event is serialized) and no header at all.
     */
    public void asTopicMessage(Exchange exchange) {
        Message m = exchange.getMessage();
        OutcomeEvent event = m.getBody(OutcomeEvent.class);
        m.getHeaders().clear();
        m.setBody(event.toJson());
    }

    private OutcomeEvent event(QueuedJob job, Status status, String smtpReply, int accepted, List<Recipient> refused,
            String reason, String fix, Instant nextAttemptAt) {
        return new OutcomeEvent(About.JOB, job.getId(), job.getMessageId(), status, job.getChannel().id(),
                job.getAttempt(), job.getOutboxFile(), node, clock.instant(), smtpReply, accepted, refused, null,
                reason, fix, nextAttemptAt);
    }

    private static List<Recipient> refusals(DeliveryFailure failure, boolean retried) {
        List<Recipient> out = new ArrayList<>();
        for (SendResult.Refusal r : failure.refused()) {
            out.add(Recipient.refused(r.address(), r.reply(), retried && r.code() / 100 == 4));
        }
        return out;
    }
}
