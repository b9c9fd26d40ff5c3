package org.outboxrelay.state;

import java.time.Instant;

/** What the relay remembers of one job id. */
public record JobRecord(
        String id,
        JobStatus status,
        String channel,
        String admission,
        int attempts,
        String messageId,
        String smtpReply,
        String reason,
        Integer accepted,
        String refusedJson,
        Instant nextAttemptAt,
        Instant createdAt,
        Instant updatedAt) {
}
