package org.outboxrelay.state;

import java.time.Clock;
import java.util.Optional;

/**
 * The idempotency guard shared by every channel. A job id is admitted once: a second job with an id that is
 * queued, deferred or sent is a duplicate and is not sent again. A failed job may be admitted again (a dead
 * letter retried, or the job re-submitted after a fix).
 *
 * <p>Each admitted copy carries an admission token, so the delivery route can tell the admitted copy of a job
 * (which it must send, also when the broker redelivers it after a crash) from a second copy with the same id.
 */
public class JobAdmission {

    private final JobStateStore store;
    private final Clock clock;

    public JobAdmission(JobStateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The outcome: admitted, or a duplicate of a job in the given status. */
    public record Decision(boolean admitted, JobStatus existing) {

        static Decision admit() {
            return new Decision(true, null);
        }

        static Decision duplicateOf(JobStatus status) {
            return new Decision(false, status);
        }
    }

    /**
     * At the door (outbox folder, HTTP): a new job, or a failed one submitted again. A record that this same
     * admission token already holds is this job (the HTTP API admits after queueing, and the delivery route may
     * have seen the queued copy first).
     */
    public Decision admitNew(String id, String channel, String token) {
        for (int tries = 0; tries < 3; tries++) {
            if (store.insertQueued(id, channel, token, clock.instant())) {
                return Decision.admit();
            }
            Optional<JobRecord> existing = store.find(id);
            if (existing.isEmpty()) {
                continue; // expired between the two calls: try the insert again
            }
            JobRecord r = existing.get();
            if (token.equals(r.admission())) {
                return Decision.admit(); // this very copy, already admitted by the delivery route (HTTP queues first)
            }
            if (r.status() != JobStatus.FAILED) {
                return Decision.duplicateOf(r.status());
            }
            if (store.readmit(id, channel, token, JobStatus.FAILED, clock.instant())) {
                return Decision.admit();
            }
        }
        throw new IllegalStateException("job " + id + " changed while being admitted; try again");
    }

    /**
     * In the delivery route: is this copy of the job the one to send? Jobs posted straight to mail.jobs are
     * admitted here on first sight.
     */
    public Decision admitForDelivery(String id, String channel, String token) {
        for (int tries = 0; tries < 3; tries++) {
            Optional<JobRecord> existing = store.find(id);
            if (existing.isEmpty()) {
                if (store.insertQueued(id, channel, token, clock.instant())) {
                    return Decision.admit();
                }
                continue;
            }
            JobRecord r = existing.get();
            switch (r.status()) {
                case SENT:
                    return Decision.duplicateOf(JobStatus.SENT);
                case FAILED:
                    if (store.readmit(id, channel, token, JobStatus.FAILED, clock.instant())) {
                        return Decision.admit();
                    }
                    continue;
                default:
                    return token.equals(r.admission()) ? Decision.admit() : Decision.duplicateOf(r.status());
            }
        }
        throw new IllegalStateException("job " + id + " changed while being admitted; try again");
    }
}
