package org.outboxrelay.state;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What the relay remembers of one job id: its status and last attempt, who it is for and where each recipient
 * stands, and which relay last worked on it.
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
        List<RecipientState> recipients,
        Instant nextAttemptAt,
        Instant createdAt,
        Instant updatedAt,
        String account,
        String subject,
        String node) {

    public JobRecord {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }

    /**
     * The addresses an SMTP server already accepted the message for (lower case): a later attempt of the same
     * job skips them.
     */
    public List<String> sentRecipients() {
        return recipients.stream().filter(RecipientState::reached).map(RecipientState::address).toList();
    }

    public boolean hasSentTo(String address) {
        return sentRecipients().contains(address.toLowerCase(Locale.ROOT));
    }
}
