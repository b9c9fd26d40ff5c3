package org.outboxrelay.state;

import java.time.Instant;
import java.util.List;

/**
 * What one attempt of a job came to, as the store records it in one transaction: the job's new status, the
 * recipients' statuses and an entry in the job's history.
 *
 * @param id            the job
 * @param admission     the admitted copy that made the attempt: a second copy with the same id never
 *                      overwrites the first one's status
 * @param status        sent, deferred or failed
 * @param attempts      attempts made so far
 * @param messageId     the Message-ID, once the message was built
 * @param subject       the subject as sent (templates fill it in), or null to keep what admission recorded
 * @param smtpReply     the server's last reply, if any
 * @param reason        why it was deferred or failed (null when sent)
 * @param nextAttemptAt when a deferred job is tried again
 * @param accepted      how many recipients the server accepted, in all attempts (sent)
 * @param refusedJson   the refused recipients with their replies, as the status API shows them
 * @param recipients    the recipients whose status this attempt decided
 * @param node          the relay that made the attempt
 * @param at            when
 */
public record JobOutcome(String id, String admission, JobStatus status, int attempts, String messageId,
        String subject, String smtpReply, String reason, Instant nextAttemptAt, Integer accepted, String refusedJson,
        List<RecipientState> recipients, String node, Instant at) {

    public JobOutcome {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }
}
