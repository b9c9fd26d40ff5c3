package org.outboxrelay.state;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The durable memory of jobs: their status for the HTTP API and the console, the idempotency guard (a job id
 * already sent is never sent again), the recipients each job already reached, and each job's history. On
 * PostgreSQL it is shared by every relay of a cluster; the embedded default is SQLite in {@code data/state/}.
 * Every change is one transaction: the job's row, its recipients' rows and its history entry together.
 */
public interface JobStateStore extends AutoCloseable {

    /** Records a new job as queued, with its recipients and a "queued" history entry; false if the id is known. */
    boolean insertQueued(NewJob job, Instant at);

    /** The job with its recipients and where each stands. */
    Optional<JobRecord> find(String id);

    /** The job's own row only (status, admission token, when admitted): what a door checks a job id against. */
    Optional<JobSeen> seen(String id);

    /**
     * Takes a job back into the queue under a new admission (a failed job submitted or retried again), if it is
     * still in {@code expected}.
     */
    boolean readmit(NewJob job, JobStatus expected, Instant at);

    /**
     * Records an attempt's outcome, if the job is still held by the outcome's admission (the copy being worked
     * on) - and, for deferred and failed, not sent meanwhile.
     */
    boolean record(JobOutcome outcome);

    /** Remembers recipients the SMTP server accepted, so that no later attempt sends to them again. */
    boolean addSentRecipients(String id, String admission, List<String> recipients, Instant at);

    /** Records a job that failed before it was admitted (it was invalid); false if the id is already known. */
    boolean insertFailed(NewJob job, int attempts, String reason, Instant at);

    /** Notes in a job's history that another copy with its id arrived and was not sent. */
    void recordDuplicate(String id, String channel, String node, Instant at);

    /** The job's history, oldest first, at most {@code max} entries (the newest ones). */
    List<JobEvent> history(String id, int max);

    /** When the oldest job still waiting (queued or deferred) was accepted. */
    Optional<Instant> oldestWaiting();

    /** Forgets jobs last changed before the cutoff, with their recipients and history; returns how many. */
    int deleteUpdatedBefore(Instant cutoff);

    @Override
    void close();
}
