package org.outboxrelay.job;

/**
 * Names of the JMS properties a job carries on {@code mail.jobs} and {@code mail.dead}. {@code jobId} and
 * {@code contentType} are part of the public contract; the others are the relay's own bookkeeping.
 */
public final class JobHeaders {

    /** Idempotency key of the job (contract). */
    public static final String JOB_ID = "jobId";
    /** {@code message/rfc822} for a raw message, else the body is a JSON job (contract). */
    public static final String CONTENT_TYPE = "contentType";
    /** Where the job came from: outbox, jms or http. */
    public static final String CHANNEL = "channel";
    /** Delivery attempts already made. */
    public static final String ATTEMPTS = "relayAttempts";
    /** When the relay first accepted the job (epoch milliseconds); retries give up relative to it. */
    public static final String SUBMITTED_AT = "relaySubmittedAt";
    /** Name of the original file in the outbox folder. */
    public static final String OUTBOX_FILE = "outboxFile";
    /** Token of the admission of this copy of the job; a second copy with the same id is a duplicate. */
    public static final String ADMISSION = "relayAdmission";
    /** Artemis: deliver no earlier than this time (epoch milliseconds). */
    public static final String SCHEDULED_DELIVERY = "_AMQ_SCHED_DELIVERY";
    /**
     * Artemis duplicate detection: a message sent again with the same id (a client resending after a failover
     * between its send and the broker's answer) is dropped by the broker.
     */
    public static final String DUPLICATE_ID = "_AMQ_DUPL_ID";

    /** Dead letters: why the job failed. */
    public static final String FAILURE_REASON = "failureReason";
    /** Dead letters: the last SMTP reply, if any. */
    public static final String SMTP_REPLY = "smtpReply";
    /** Dead letters: when it failed (ISO-8601). */
    public static final String FAILED_AT = "failedAt";

    public static final String RFC822 = "message/rfc822";
    public static final String JSON = "application/json";

    private JobHeaders() {
    }
}
