package org.outboxrelay.state;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import org.outboxrelay.job.Channel;
import org.outboxrelay.job.QueuedJob;

/**
 * The idempotency guard shared by every channel (and, with a shared store, every relay). A job id is admitted
 * once: a second job with an id that is queued, deferred or sent is a duplicate and is not sent again. A failed
 * job may be admitted again (a dead letter retried, or the job re-submitted after a fix).
 *
 * <p>Each admitted copy carries an admission token, so the delivery route can tell the admitted copy of a job
 * (which it must send, also when the broker redelivers it after a crash) from a second copy with the same id.
 * Admission is an insert that either wins or finds the job there: two relays admitting the same id at the same
 * moment cannot both win.
 */
public class JobAdmission {

    private final JobStateStore store;
    private final Clock clock;
    private final String account;
    private final String node;

    /**
     * @param account the sending account (relay.smtp.from) the jobs are recorded for
     * @param node    this relay's node id
     */
    public JobAdmission(JobStateStore store, Clock clock, String account, String node) {
        this.store = store;
        this.clock = clock;
        this.account = account;
        this.node = node;
    }

    /** The job as the store records it at admission: who it is, and (once read) whom it is for. */
    public NewJob describe(QueuedJob job) {
        return new NewJob(job.getId(), job.getChannel().id(), job.getAdmission(), account, job.fromAddress(),
                job.subjectLine(), job.envelopeRecipients(), node);
    }

    /** At the door: see {@link #admitNew(NewJob)}. */
    public Decision admitNew(QueuedJob job) {
        return admitNew(describe(job));
    }

    /**
     * At the HTTP door, once the job is on mail.jobs. The queue hands a job to an idle delivery route at once, so
     * the delivery route has usually admitted this very copy before the door gets here: then reading it is all
     * there is to do, where an insert would change nothing and still wait for the store's next commit. Otherwise
     * as {@link #admitNew(NewJob)}.
     */
    public Decision admitQueued(QueuedJob job) {
        return admitQueued(describe(job));
    }

    /** See {@link #admitQueued(QueuedJob)}. */
    public Decision admitQueued(NewJob job) {
        Optional<JobSeen> seen = store.seen(job.id());
        if (seen.isPresent() && job.admission().equals(seen.get().admission())) {
            return Decision.thisCopy(seen.get());
        }
        return admitNew(job);
    }

    /** In the delivery route: see {@link #admitForDelivery(NewJob, boolean)}. */
    public Decision admitForDelivery(QueuedJob job) {
        return admitForDelivery(describe(job), job.getChannel() != Channel.JMS);
    }

    public String node() {
        return node;
    }

    public String account() {
        return account;
    }

    /**
     * The outcome: admitted (and whether it is new to the relay, or a copy seen before, e.g. redelivered after a
     * crash), or a duplicate of a job in the given status. {@code admittedAt}: when the store first recorded the
     * admitted job (its {@code created_at}, in the store's milliseconds: the same on every later attempt and
     * every relay); null for a duplicate. {@code sentRecipients}: the recipients an earlier attempt reached, which
     * the delivery route skips; none at a door, which sends nothing and so reads the job's row only.
     */
    public record Decision(boolean admitted, JobStatus existing, boolean fresh, List<String> sentRecipients,
            Instant admittedAt) {

        static Decision admitFresh(Instant at) {
            return new Decision(true, null, true, List.of(), at);
        }

        static Decision admitAgain(JobRecord r) {
            return new Decision(true, null, false, r.sentRecipients(), storeMillis(r.createdAt()));
        }

        /** Admitted as new (a failed job taken up again): nobody had it yet; its row keeps its first created_at. */
        static Decision admitAgainAsNew(Instant createdAt) {
            return new Decision(true, null, true, List.of(), storeMillis(createdAt));
        }

        /** Admitted at the door, where the store holds this very copy already: new to the relay all the same. */
        static Decision thisCopy(JobSeen r) {
            return new Decision(true, null, true, List.of(), storeMillis(r.createdAt()));
        }

        static Decision duplicateOf(JobStatus status) {
            return new Decision(false, status, false, List.of(), null);
        }

        private static Instant storeMillis(Instant createdAt) {
            return createdAt == null ? null : createdAt.truncatedTo(ChronoUnit.MILLIS);
        }
    }

    /**
     * At the door (outbox folder, HTTP): a new job, or a failed one submitted again. A record that this same
     * admission token already holds is this job (the HTTP API admits after queueing, and the delivery route may
     * have seen the queued copy first).
     */
    public Decision admitNew(NewJob job) {
        for (int tries = 0; tries < 3; tries++) {
            Instant now = storeNow();
            if (store.insertQueued(job, now)) {
                return Decision.admitFresh(now);
            }
            Optional<JobSeen> existing = store.seen(job.id());
            if (existing.isEmpty()) {
                continue; // expired between the two calls: try the insert again
            }
            JobSeen r = existing.get();
            if (job.admission().equals(r.admission())) {
                // this very copy: seen by the delivery route first (HTTP queues before it admits), or queued
                // before a crash or a failed send and now taken up again (outbox)
                return Decision.thisCopy(r);
            }
            if (r.status() != JobStatus.FAILED) {
                return Decision.duplicateOf(r.status());
            }
            if (store.readmit(job, JobStatus.FAILED, clock.instant())) {
                return Decision.admitAgainAsNew(r.createdAt());
            }
        }
        throw new IllegalStateException("job " + job.id() + " changed while being admitted; try again");
    }

    /**
     * In the delivery route: is this copy of the job the one to send? Jobs posted straight to mail.jobs are
     * admitted here on first sight; jobs that came through a door (outbox, HTTP) were admitted there, so for
     * them the store is read first.
     */
    public Decision admitForDelivery(NewJob job, boolean admittedAtTheDoor) {
        boolean insertFirst = !admittedAtTheDoor;
        for (int tries = 0; tries < 3; tries++) {
            Instant now = storeNow();
            if (insertFirst && store.insertQueued(job, now)) {
                return Decision.admitFresh(now);
            }
            insertFirst = true;
            Optional<JobRecord> existing = store.find(job.id());
            if (existing.isEmpty()) {
                continue;
            }
            JobRecord r = existing.get();
            switch (r.status()) {
                case SENT:
                    return Decision.duplicateOf(JobStatus.SENT);
                case FAILED:
                    if (store.readmit(job, JobStatus.FAILED, clock.instant())) {
                        return job.admission().equals(r.admission()) ? Decision.admitAgain(r)
                                : Decision.admitAgainAsNew(r.createdAt());
                    }
                    continue;
                default:
                    return job.admission().equals(r.admission()) ? Decision.admitAgain(r)
                            : Decision.duplicateOf(r.status());
            }
        }
        throw new IllegalStateException("job " + job.id() + " changed while being admitted; try again");
    }

    /**
     * Now, in the store's milliseconds: the decision and the row it writes hold the same instant (PostgreSQL would
     * round nanoseconds to the nearest microsecond, which may be the next millisecond).
     */
    private Instant storeNow() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
