package org.outboxrelay.state;

import java.time.Instant;

/**
 * One entry of a job's history (the {@code job_event} table): received (queued), each attempt's outcome (sent,
 * deferred with the next attempt, failed), a duplicate submitted, and later bounced or suppressed recipients;
 * with the relay that recorded it.
 */
public record JobEvent(long seq, Instant at, String status, String node, Integer attempt, String messageId,
        String smtpReply, String reason, Instant nextAttemptAt, String detail) {
}
