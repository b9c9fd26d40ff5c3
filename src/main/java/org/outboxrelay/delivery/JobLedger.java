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
import org.outboxrelay.state.JobStateStore;
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
        JobAdmission.Decision d = admission.admitForDelivery(job.getId(), job.getChannel().id(), job.getAdmission());
        if (d.admitted()) {
            job.setAlreadySentTo(d.sentRecipients());
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
            store.addSentRecipients(job.getId(), job.getAdmission(), result.accepted(), clock.instant());
        }
        job.addPartResult(result);
        job.setReservedRecipients(0);
    }

    /** All messages of the job went out: records the job as sent (or as waiting for deferred recipients). */
    public SendResult sent(@ExchangeProperty("job") QueuedJob job) {
        List<SendResult> parts = job.getPartResults().stream().map(SendResult.class::cast).toList();
        SendResult result = SendResult.combine(parts, "250 (every recipient had it already)");
        if (result.hasDeferred()) {
            if (job.getMessageCount() == 1) {
                store.addSentRecipients(job.getId(), job.getAdmission(), result.accepted(), clock.instant());
            }
            store.markDeferred(job.getId(), job.getAdmission(), job.getAttempt(), null, result.reply(),
                    result.deferred().size() + " recipient(s) deferred", clock.instant());
        } else {
            store.markSent(job.getId(), job.getAdmission(), job.getAttempt(), job.getMessageId(), result.reply(),
                    result.accepted().size(), refusedJson(result), sentTo(job, result), clock.instant());
        }
        LOG.info("Sent {} {} to {} recipient(s){}{}{}: {}", job, job.getMessageId(), result.accepted().size(),
                parts.size() > 1 ? " in " + parts.size() + " messages" : "",
                result.refused().isEmpty() ? "" : ", " + result.refused().size() + " refused",
                result.deferred().isEmpty() ? "" : ", " + result.deferred().size() + " deferred", result.reply());
        return result;
    }

    /** Everyone who has the message now: earlier attempts and this one. */
    private static List<String> sentTo(QueuedJob job, SendResult result) {
        List<String> all = new ArrayList<>(job.getAlreadySentTo());
        for (String a : result.accepted()) {
            String lower = a.toLowerCase(java.util.Locale.ROOT);
            if (!all.contains(lower)) {
                all.add(lower);
            }
        }
        return all;
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
        store.markDeferred(job.getId(), job.getAdmission(), job.getAttempt(), retry.nextAttemptAt(),
                failure.smtpReply(), failure.reason(), clock.instant());
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
        if (job != null && !store.markFailed(job.getId(), job.getAdmission(), job.getAttempt(), job.getMessageId(),
                failure.reason(), failure.smtpReply(), clock.instant())) {
            // failed before it was admitted (invalid): remember it, unless the id belongs to another job
            store.insertFailed(job.getId(), job.getChannel().id(), job.getAdmission(), job.getAttempt(),
                    failure.reason(), clock.instant());
        }
        LOG.warn("Failed {}: {}{}", job, failure.reason(), fixSuffix(failure));
    }

    /** ". Fix: ..." when the reply table says what to do about the failure. */
    private static String fixSuffix(DeliveryFailure failure) {
        return failure.fix() == null ? "" : ". Fix: " + failure.fix();
    }

    public void duplicate(@ExchangeProperty("job") QueuedJob job) {
        LOG.info("Duplicate {}: a job with this id is already {}; not sent again", job, job.getDuplicateOf());
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
