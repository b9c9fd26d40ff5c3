package org.outboxrelay.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.mail.internet.InternetAddress;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.QueuedJob;

/**
 * The messages one job becomes: its recipients minus those an SMTP server already accepted in an earlier
 * attempt (known from the job store at admission, so a retry never sends twice), in groups of at most relay.limits.recipients-per-message. With
 * relay.limits.over-recipient-limit=refuse, a job with too many recipients fails instead of being split. A job that
 * asks for one-click unsubscribe becomes one message per recipient (each gets its own link).
 */
public class RecipientBatches {

    private final int perMessage;
    private final boolean refuse;

    public RecipientBatches(int perMessage, boolean refuse) {
        this.perMessage = perMessage;
        this.refuse = refuse;
    }

    private static boolean asksUnsubscribe(QueuedJob job) {
        return !job.isRaw() && job.getMailJob() != null && job.getMailJob().unsubscribeList() != null;
    }

    public List<OutgoingMessage> split(@Body OutgoingMessage message, @ExchangeProperty("job") QueuedJob job)
            throws Exception {
        Set<String> done = job.getAlreadySentTo().stream()
                .map(a -> a.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<InternetAddress> all = message.getEnvelopeRecipients();
        List<InternetAddress> remaining = all.stream()
                .filter(a -> !done.contains(a.getAddress().toLowerCase(Locale.ROOT))).toList();
        if (perMessage > 0 && all.size() > perMessage && refuse) {
            throw new RecipientLimitExceededException(all.size() + " recipients, more than"
                    + " relay.limits.recipients-per-message (" + perMessage + "); set"
                    + " relay.limits.over-recipient-limit=split to send it as several messages");
        }
        // one-click unsubscribe: each recipient its own message, with its own List-Unsubscribe link
        int limit = asksUnsubscribe(job) ? 1 : perMessage;
        if (remaining.size() == all.size() && (limit <= 0 || all.size() <= limit)) {
            job.setMessageCount(1);
            return List.of(message); // the usual case: one message, as built
        }
        int size = limit <= 0 ? Math.max(1, remaining.size()) : limit;
        List<OutgoingMessage> parts = new ArrayList<>();
        for (int from = 0; from < remaining.size(); from += size) {
            parts.add(new OutgoingMessage(message, remaining.subList(from, Math.min(remaining.size(), from + size))));
        }
        job.setMessageCount(parts.size());
        return parts;
    }
}
