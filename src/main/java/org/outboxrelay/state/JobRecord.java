package org.outboxrelay.state;

import java.time.Instant;
import java.util.List;

/**
 * What the relay remembers of one job id. {@code sentRecipients} are the addresses an SMTP server already
 * accepted the message for (lower case): a later attempt of the same job skips them.
 */
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
        List<String> sentRecipients,
        Instant nextAttemptAt,
        Instant createdAt,
        Instant updatedAt) {
}
