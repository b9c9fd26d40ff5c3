package org.outboxrelay.delivery;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.mail.internet.InternetAddress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobOutcome;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.state.RecipientState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes down what happened to each job: in the state store (status, attempts, Message-ID, SMTP reply) and as
 * one log line per outcome. Also the delivery route's idempotency check. Never logs bodies or secrets.
 */
public class JobLedger {

    private static final Logger LOG = LoggerFactory.getLogger("org.outboxrelay.jobs");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobStateStore store;
    private final JobAdmission admission;
    private final Clock clock;

    private final RelayMetrics metrics;

    public JobLedger(JobStateStore store, JobAdmission admission, Clock clock, RelayMetrics metrics) {
        this.store = store;
        this.admission = admission;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Marks the job a duplicate when a job with its id was already sent, or another copy of it is queued. */
    public void admit(@ExchangeProperty("job") QueuedJob job) {
        JobAdmission.Decision d = admission.admitForDelivery(job);
        if (d.admitted()) {
            job.setAlreadySentTo(d.sentRecipients());
            job.setAdmittedAt(d.admittedAt());
        }
        if (!d.admitted()) {
            job.markDuplicate(d.existing().id());
        } else if (d.fresh() && job.getChannel() == Channel.JMS && metrics != null) {
            metrics.received(Channel.JMS.id()); // outbox and http jobs were counted at their door
        }
    }

    /**
     * One message of the job was accepted (for some or all of its recipients): remembers who got it, so no
     * later attempt sends to them again.
     */
    public void partSent(@Body OutgoingMessage message, @ExchangeProperty("job") QueuedJob job) {
        SendResult result = message.getResult();
        if (result == null) { // a sender without results (plain camel-mail): all recipients went out
            List<String> all = new ArrayList<>();
            for (InternetAddress a : message.getEnvelopeRecipients()) {
                all.add(a.getAddress());
            }
            result = new SendResult(all, List.of(), List.of(), 250, "250 (reply not recorded)");
        }
        if (job.getMessageCount() > 1) {
            // one of several messages: remember at once who got it, so a later failure does not resend it
            List<String> accepted = result.accepted();
            afterSending(() -> store.addSentRecipients(job.getId(), job.getAdmission(), accepted, clock.instant()));
        }
        job.addPartResult(result);
        job.setReservedRecipients(0);
    }

    /** All messages of the job went out: records the job as sent (or as waiting for deferred recipients). */
    public SendResult sent(@ExchangeProperty("job") QueuedJob job) {
        List<SendResult> parts = job.getPartResults().stream().map(SendResult.class::cast).toList();
        SendResult result = SendResult.combine(parts, "250 (every recipient had it already)");
        if (result.hasDeferred()) {
            JobOutcome o = outcome(job, JobStatus.DEFERRED, result.reply(), result.deferred().size()
                    + " recipient(s) deferred", null, null, null, recipientStates(result));
            afterSending(() -> store.record(o));
        } else {
            JobOutcome o = outcome(job, JobStatus.SENT, result.reply(), null, null, result.accepted().size(),
                    refusedJson(result), recipientStates(result));
            afterSending(() -> store.record(o));
        }
        LOG.info("Sent {} {} to {} recipient(s){}{}{}: {}", job, job.getMessageId(), result.accepted().size(),
                parts.size() > 1 ? " in " + parts.size() + " messages" : "",
                result.refused().isEmpty() ? "" : ", " + result.refused().size() + " refused",
                result.deferred().isEmpty() ? "" : ", " + result.deferred().size() + " deferred", result.reply());
        return result;
    }

    /**
     * A write after the SMTP server took the message: if the store is unreachable for a moment (PostgreSQL
     * restarting), the write is tried again for up to a minute rather than rolling the job back - a rolled-back
     * job would be sent again.
     */
    private static void afterSending(java.util.function.BooleanSupplier write) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                write.getAsBoolean();
                return;
            } catch (org.outboxrelay.state.StateStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.warn("Cannot record a sent message yet ({}); trying again", e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The recipients the server only deferred (4xx), as a transient failure of the job: they are tried again. */
    public DeliveryFailure deferredRecipients(@ExchangeProperty("result") SendResult result) {
        SendResult.Refusal first = result.deferred().get(0);
        return new DeliveryFailure(FailureKind.TRANSIENT, first.code(), null, first.reply(),
                "recipient deferred: " + String.join("; ",
                        result.deferred().stream().map(r -> r.address() + ": " + r.reply()).toList()),
                null, result.deferred());
    }

    public void deferred(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("failure") DeliveryFailure failure,
            @ExchangeProperty("retry") RetryPolicy.Decision retry) {
        store.record(outcome(job, JobStatus.DEFERRED, failure.smtpReply(), failure.reason(), retry.nextAttemptAt(),
                null, null, refusals(failure)));
        // one line when a job first has to wait; each further retry is noise at DEBUG (the audit trail has them all)
        if (job.getAttempt() <= 1) {
            LOG.info("Deferred {}: {}; next attempt at {}{}", job, failure.reason(), retry.nextAttemptAt(),
                    fixSuffix(failure));
        } else {
            LOG.debug("Deferred {} again (attempt {}): {}; next attempt at {}", job, job.getAttempt(),
                    failure.reason(), retry.nextAttemptAt());
        }
    }

    /** The job failed once more and its time is up: a permanent failure with the last reason. */
    public DeliveryFailure givingUp(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("failure") DeliveryFailure last) {
        java.time.Duration age = java.time.Duration.between(job.getSubmittedAt(), clock.instant());
        return new DeliveryFailure(FailureKind.PERMANENT, last.code(), last.enhancedCode(), last.smtpReply(),
                "gave up after " + job.getAttempt() + " attempt(s) over " + human(age) + "; last failure: "
                        + last.reason(), null, last.refused(), last.rule());
    }

    static String human(java.time.Duration d) {
        long s = d.toSeconds();
        if (s < 10) {
            return d.toMillis() + "ms";
        }
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return (s / 60) + "m";
        }
        if (s < 172800) {
            return (s / 3600) + "h";
        }
        return (s / 86400) + "d";
    }

    public void failed(@ExchangeProperty("job") QueuedJob job, @ExchangeProperty("failure") DeliveryFailure failure) {
        if (job != null && !store.record(outcome(job, JobStatus.FAILED, failure.smtpReply(), failure.reason(), null,
                null, null, refusals(failure)))) {
            // failed before it was admitted (invalid): remember it, unless the id belongs to another job
            store.insertFailed(admission.describe(job), job.getAttempt(), failure.reason(), clock.instant());
        }
        LOG.warn("Failed {}: {}{}", job, failure.reason(), fixSuffix(failure));
    }

    /** ". Fix: ..." when the reply table says what to do about the failure. */
    private static String fixSuffix(DeliveryFailure failure) {
        return failure.fix() == null ? "" : ". Fix: " + failure.fix();
    }

    public void duplicate(@ExchangeProperty("job") QueuedJob job) {
        store.recordDuplicate(job.getId(), job.getChannel().id(), admission.node(), clock.instant());
        LOG.info("Duplicate {}: a job with this id is already {}; not sent again", job, job.getDuplicateOf());
    }

    private JobOutcome outcome(QueuedJob job, JobStatus status, String smtpReply, String reason,
            java.time.Instant nextAttemptAt, Integer accepted, String refusedJson, List<RecipientState> recipients) {
        return new JobOutcome(job.getId(), job.getAdmission(), status, job.getAttempt(), job.getMessageId(),
                job.getMessageId() == null ? null : job.subjectLine(), smtpReply, reason, nextAttemptAt, accepted,
                refusedJson, recipients, admission.node(), clock.instant());
    }

    /** Where each recipient of a sent message stands now. */
    private static List<RecipientState> recipientStates(SendResult result) {
        List<RecipientState> out = new ArrayList<>();
        result.accepted().forEach(a -> out.add(new RecipientState(a, RecipientState.SENT, null)));
        result.refused().forEach(r -> out.add(new RecipientState(r.address(), RecipientState.REFUSED, r.reply())));
        result.deferred().forEach(r -> out.add(new RecipientState(r.address(), RecipientState.DEFERRED, r.reply())));
        return out;
    }

    /** The recipients a failure names (refused or deferred at RCPT TO). */
    private static List<RecipientState> refusals(DeliveryFailure failure) {
        return failure.refused().stream().map(r -> new RecipientState(r.address(),
                r.code() / 100 == 4 ? RecipientState.DEFERRED : RecipientState.REFUSED, r.reply())).toList();
    }

    private static String refusedJson(SendResult result) {
        if (result.refused().isEmpty()) {
            return null;
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (SendResult.Refusal r : result.refused()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", r.address());
            m.put("reply", r.reply());
            list.add(m);
        }
        try {
            return JSON.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
