package org.outboxrelay.state;

import java.time.Instant;
import java.util.List;
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

    // The mark* methods change the job only if it is still held by the given admission (the copy of the job
    // being worked on), so that a second copy with the same id can never overwrite the first one's status.

    boolean markDeferred(String id, String admission, int attempts, Instant nextAttemptAt, String smtpReply,
            String reason, Instant at);

    boolean markSent(String id, String admission, int attempts, String messageId, String smtpReply, int accepted,
            String refusedJson, List<String> sentRecipients, Instant at);

    /** Remembers recipients the SMTP server accepted, so that no later attempt sends to them again. */
    boolean addSentRecipients(String id, String admission, List<String> recipients, Instant at);

    boolean markFailed(String id, String admission, int attempts, String messageId, String reason, String smtpReply,
            Instant at);

    /** Records a job that failed before it was admitted (it was invalid); false if the id is already known. */
    boolean insertFailed(String id, String channel, String admission, int attempts, String reason, Instant at);

    /** When the oldest job still waiting (queued or deferred) was accepted. */
    Optional<Instant> oldestWaiting();

    /** Forgets jobs last changed before the cutoff; returns how many. */
    int deleteUpdatedBefore(Instant cutoff);

    @Override
    void close();
}
