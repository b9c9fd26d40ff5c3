package org.outboxrelay.state;

/** Where a job stands, as GET /api/v1/mails/{id} and the events report it. */
public enum JobStatus {
    /** Accepted and waiting in mail.jobs. */
    QUEUED,
    /** A transient failure; waiting for the next attempt. */
    DEFERRED,
    /** An SMTP server accepted it. */
    SENT,
    /** It can never succeed; it is on mail.dead (and in outbox/failed/ for files). */
    FAILED;

    public String id() {
        return name().toLowerCase();
    }
}
