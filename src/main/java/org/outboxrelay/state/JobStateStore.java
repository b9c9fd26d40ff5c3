package org.outboxrelay.state;

import java.time.Instant;
import java.util.Optional;

/**
 * The durable memory of jobs: their status for the HTTP API, and the idempotency guard (a job id already sent
 * is never sent again). One interface so that a shared database can later serve several relay instances; the
 * embedded default is {@link JdbcJobStateStore} on H2 in {@code data/state/}.
 */
public interface JobStateStore extends AutoCloseable {

    /** Records a new job as queued; false if the id is already known. */
    boolean insertQueued(String id, String channel, String admission, Instant at);

    Optional<JobRecord> find(String id);

    /** Takes a failed job back into the queue under a new admission, if it is still in {@code expected}. */
    boolean readmit(String id, String channel, String admission, JobStatus expected, Instant at);

    void markDeferred(String id, int attempts, Instant nextAttemptAt, String smtpReply, String reason, Instant at);

    void markSent(String id, int attempts, String messageId, String smtpReply, int accepted, String refusedJson,
            Instant at);

    void markFailed(String id, int attempts, String messageId, String reason, String smtpReply, Instant at);

    /** Forgets jobs last changed before the cutoff; returns how many. */
    int deleteUpdatedBefore(Instant cutoff);

    @Override
    void close();
}
