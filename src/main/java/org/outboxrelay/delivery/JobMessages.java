package org.outboxrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultMessage;
import org.outboxrelay.job.JobHeaders;
import org.outboxrelay.job.QueuedJob;

/**
 * The messages the routes put on the broker for a job: back on {@code mail.jobs} for a later attempt, or on
 * {@code mail.dead} with its reason. Each replaces the headers entirely, so nothing of the incoming message
 * (JMS or Camel headers) travels along; the body is the job's original payload, as it was submitted.
 */
public class JobMessages {

    private final Clock clock;

    public JobMessages(Clock clock) {
        this.clock = clock;
    }

    /**
     * Goes on with a plain copy of the message taken from {@code mail.jobs} (body and headers, read once). The JMS
     * message itself is not needed any more: its transaction belongs to the consumer, not to the message. Every
     * {@code method:} expression and {@code simple} OGNL call of the routes works on a copy of the exchange, and
     * copying a JMS message reads all its properties again (about a tenth of the relay's CPU per job).
     */
    public void detach(Exchange exchange) {
        Message plain = new DefaultMessage(exchange);
        plain.copyFrom(exchange.getMessage());
        exchange.setMessage(plain);
    }

    /**
     * The job again, for {@code mail.jobs}, delivered by the broker at the retry time (survives restarts). An
     * account-level failure (the account paused) does not count as an attempt of the job.
     */
    public void retry(Exchange exchange) {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        DeliveryFailure failure = exchange.getProperty("failure", DeliveryFailure.class);
        RetryPolicy.Decision retry = exchange.getProperty("retry", RetryPolicy.Decision.class);
        Message m = asQueueMessage(exchange.getMessage(), job);
        boolean counts = failure == null || !failure.isAccountLevel();
        m.setHeader(JobHeaders.ATTEMPTS, counts ? job.getAttempt() : job.getPreviousAttempts());
        m.setHeader(JobHeaders.SCHEDULED_DELIVERY, retry.getNextAttemptEpochMillis());
        duplicateId(m, "retry", job);
    }

    /**
     * The job again, for {@code mail.jobs}, when the account is busy for a moment ({@link AccountBusyException}):
     * delivered by the broker at about that time, its attempts unchanged.
     */
    public void postpone(Exchange exchange) {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        AccountBusyException busy = AccountBusyException.of(exchange);
        Message m = asQueueMessage(exchange.getMessage(), job);
        m.setHeader(JobHeaders.ATTEMPTS, job.getPreviousAttempts());
        m.setHeader(JobHeaders.SCHEDULED_DELIVERY, busy != null ? busy.until().toEpochMilli()
                : clock.instant().plusSeconds(1).toEpochMilli());
        duplicateId(m, "postponed", job);
    }

    /**
     * What one attempt puts back on the broker carries the id of the message the attempt took: the broker drops
     * a second copy (a resend after a failover), so an attempt never queues its job twice.
     */
    private static void duplicateId(Message m, String what, QueuedJob job) {
        if (job.getDeliveryId() != null) {
            m.setHeader(JobHeaders.DUPLICATE_ID, what + ":" + job.getDeliveryId());
        }
    }

    /** The job for {@code mail.dead}, with why it failed. */
    public void deadLetter(Exchange exchange) {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        DeliveryFailure failure = exchange.getProperty("failure", DeliveryFailure.class);
        Message m = asQueueMessage(exchange.getMessage(), job);
        m.setHeader(JobHeaders.ATTEMPTS, job.getAttempt());
        m.setHeader(JobHeaders.FAILURE_REASON, failure.reason());
        if (failure.smtpReply() != null) {
            m.setHeader(JobHeaders.SMTP_REPLY, failure.smtpReply());
        }
        m.setHeader(JobHeaders.FAILED_AT, clock.instant().toString());
        duplicateId(m, "dead", job);
    }

    /**
     * Replaces body and headers of {@code m} with the job as it travels on the broker: its original payload,
     * and its identity and bookkeeping as properties.
     */
    public static Message asQueueMessage(Message m, QueuedJob job) {
        m.getHeaders().clear();
        m.setBody(job.isRaw() ? job.getPayload() : new String(job.getPayload(), StandardCharsets.UTF_8));
        m.setHeader(JobHeaders.JOB_ID, job.getId());
        m.setHeader(JobHeaders.CHANNEL, job.getChannel().id());
        m.setHeader(JobHeaders.CONTENT_TYPE, job.isRaw() ? JobHeaders.RFC822 : JobHeaders.JSON);
        m.setHeader(JobHeaders.SUBMITTED_AT, job.getSubmittedAt().toEpochMilli());
        m.setHeader(JobHeaders.ADMISSION, job.getAdmission());
        if (job.getOutboxFile() != null) {
            m.setHeader(JobHeaders.OUTBOX_FILE, job.getOutboxFile());
        }
        return m;
    }
}
