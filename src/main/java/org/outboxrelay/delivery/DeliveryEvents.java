package org.outboxrelay.delivery;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.outboxrelay.job.QueuedJob;

/**
 * The outcome events of jobs, one per outcome, as {@link OutcomeEvent}s: built here once, from the job and what
 * happened to it, then read by the audit trail and the metrics as they are, and serialized once, for
 * {@code mail.events}, by {@link #asTopicMessage}. Addresses appear only among the refused recipients, each with
 * the server's reply.
 */
public class DeliveryEvents {

    private final Clock clock;

    public DeliveryEvents(Clock clock) {
        this.clock = clock;
    }

    public OutcomeEvent sent(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("result") SendResult result) {
        List<OutcomeEvent.Refused> refused = new ArrayList<>();
        for (SendResult.Refusal r : result.refused()) {
            refused.add(new OutcomeEvent.Refused(r.address(), r.reply(), false));
        }
        for (SendResult.Refusal r : result.deferred()) {
            refused.add(new OutcomeEvent.Refused(r.address(), r.reply(), true));
        }
        return event(job, OutcomeEvent.Status.SENT, result.reply(), result.accepted().size(), refused, null, null);
    }

    public OutcomeEvent deferred(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("failure") DeliveryFailure failure, @ExchangeProperty("retry") RetryPolicy.Decision retry) {
        return event(job, OutcomeEvent.Status.DEFERRED, failure.smtpReply(), 0, refusals(failure, true),
                failure.publicReason(), retry.nextAttemptAt());
    }

    public OutcomeEvent failed(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("failure") DeliveryFailure failure) {
        return event(job, OutcomeEvent.Status.FAILED, failure.smtpReply(), 0, refusals(failure, false),
                failure.publicReason(), null);
    }

    public OutcomeEvent duplicate(@ExchangeProperty("job") QueuedJob job) {
        return event(job, OutcomeEvent.Status.DUPLICATE, null, 0, List.of(),
                "a job with this id is already " + job.getDuplicateOf(), null);
    }

    /** An outbox file that did not become a job: failed (invalid) or duplicate; no delivery was attempted. */
    public OutcomeEvent rejected(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("failure") DeliveryFailure failure,
            @org.apache.camel.Header(Exchange.FILE_NAME_ONLY) String fileName) {
        return new OutcomeEvent(job == null ? null : job.getId(), null,
                job != null && job.isDuplicate() ? OutcomeEvent.Status.DUPLICATE : OutcomeEvent.Status.FAILED,
                "outbox", 0, job != null && job.getOutboxFile() != null ? job.getOutboxFile() : fileName,
                clock.instant(), null, 0, List.of(),
                failure == null ? null : failure.publicReason(), null);
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

    private OutcomeEvent event(QueuedJob job, OutcomeEvent.Status status, String smtpReply, int accepted,
            List<OutcomeEvent.Refused> refused, String reason, java.time.Instant nextAttemptAt) {
        return new OutcomeEvent(job.getId(), job.getMessageId(), status, job.getChannel().id(), job.getAttempt(),
                job.getOutboxFile(), clock.instant(), smtpReply, accepted, refused, reason, nextAttemptAt);
    }

    private static List<OutcomeEvent.Refused> refusals(DeliveryFailure failure, boolean retried) {
        List<OutcomeEvent.Refused> out = new ArrayList<>();
        for (SendResult.Refusal r : failure.refused()) {
            out.add(new OutcomeEvent.Refused(r.address(), r.reply(), retried && r.code() / 100 == 4));
        }
        return out;
    }
}
