package org.outboxrelay.state;

import java.time.Clock;
import java.util.List;
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

    /**
     * The outcome: admitted (and whether it is new to the relay, or a copy seen before, e.g. redelivered after a
     * crash), or a duplicate of a job in the given status.
     */
    public record Decision(boolean admitted, JobStatus existing, boolean fresh, List<String> sentRecipients) {

        static Decision admitFresh() {
            return new Decision(true, null, true, List.of());
        }

        static Decision admitAgain(JobRecord r) {
            return new Decision(true, null, false, r.sentRecipients());
        }

        static Decision duplicateOf(JobStatus status) {
            return new Decision(false, status, false, List.of());
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
                return Decision.admitFresh();
            }
            Optional<JobRecord> existing = store.find(id);
            if (existing.isEmpty()) {
                continue; // expired between the two calls: try the insert again
            }
            JobRecord r = existing.get();
            if (token.equals(r.admission())) {
                // this very copy: seen by the delivery route first (HTTP queues before it admits), or queued
                // before a crash or a failed send and now taken up again (outbox)
                return new Decision(true, null, true, r.sentRecipients());
            }
            if (r.status() != JobStatus.FAILED) {
                return Decision.duplicateOf(r.status());
            }
            if (store.readmit(id, channel, token, JobStatus.FAILED, clock.instant())) {
                return Decision.admitFresh();
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
                    return Decision.admitFresh();
                }
                continue;
            }
            JobRecord r = existing.get();
            switch (r.status()) {
                case SENT:
                    return Decision.duplicateOf(JobStatus.SENT);
                case FAILED:
                    if (store.readmit(id, channel, token, JobStatus.FAILED, clock.instant())) {
                        return token.equals(r.admission()) ? Decision.admitAgain(r) : Decision.admitFresh();
                    }
                    continue;
                default:
                    return token.equals(r.admission()) ? Decision.admitAgain(r) : Decision.duplicateOf(r.status());
            }
        }
        throw new IllegalStateException("job " + id + " changed while being admitted; try again");
    }
}
