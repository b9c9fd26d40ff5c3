package org.outboxrelay.state;

import java.time.Instant;

/**
 * What a door needs to know of a job id seen before: its status, which copy the store holds (its admission token)
 * and when the store first admitted it. The job's row only: a door sends nothing, so it never needs the
 * recipients' rows that {@link JobStateStore#find} reads with it.
 */
public record JobSeen(String id, JobStatus status, String admission, Instant createdAt) {
}
