package org.outboxrelay.suppression;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.Addresses;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.RawMessage;
import org.outboxrelay.job.SuppressedRecipient;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.RecipientOutcome;
import org.outboxrelay.state.RecipientOutcomeStore;
import org.outboxrelay.state.Suppression;
import org.outboxrelay.state.SuppressionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery route's step {@code suppression.filter}, before the message is built: recipients on the account's
 * suppression list (for every list, or for the job's unsubscribe list) are left out of the job - the To, Cc and
 * Bcc of a JSON job, the envelope of a raw message (its headers stay as written) - and recorded on the job as
 * suppressed with the reason. A job left with nobody fails with {@link AllRecipientsSuppressedException}.
 * Reads the shared store at every job: an address suppressed by any relay of a cluster holds at once (the
 * embedded store, which only this relay writes, answers from its index when no recipient is on the list).
 */
public class SuppressionFilter {

    private static final Logger LOG = LoggerFactory.getLogger("org.outboxrelay.jobs");

    private final SuppressionStore list;
    private final RecipientOutcomeStore outcomes;
    private final String account;
    private final RelayMetrics metrics;
    private final Clock clock;

    public SuppressionFilter(SuppressionStore list, RecipientOutcomeStore outcomes, String account,
            RelayMetrics metrics, Clock clock) {
        this.list = list;
        this.outcomes = outcomes;
        this.account = account;
        this.metrics = metrics;
        this.clock = clock;
    }

    public void filter(@ExchangeProperty("job") QueuedJob job) throws Exception {
        job.setSuppressed(List.of());
        List<InternetAddress> recipients = recipientsOf(job);
        String jobList = job.isRaw() ? null : job.getMailJob().unsubscribeList();
        Map<String, Suppression> found = list.suppressed(account, jobList,
                recipients.stream().map(InternetAddress::getAddress).toList());
        if (found.isEmpty()) {
            return;
        }
        List<SuppressedRecipient> suppressed = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (InternetAddress a : recipients) {
            Suppression s = found.get(Suppression.key(a.getAddress()));
            if (s == null || !seen.add(Suppression.key(a.getAddress()))) {
                continue;
            }
            boolean first = outcomes.record(new RecipientOutcome(account, job.getId(), a.getAddress(),
                    RecipientOutcome.Kind.SUPPRESSED, null, null, s.describe(), null, clock.instant()));
            if (first && metrics != null) {
                metrics.suppressed(s.reason().id());
            }
            suppressed.add(new SuppressedRecipient(a.getAddress(), s.describe(), first));
        }
        job.setSuppressed(suppressed);
        if (suppressed.size() == seen(recipients)) {
            throw new AllRecipientsSuppressedException(suppressed);
        }
        LOG.info("{}: {} of {} recipient(s) left out, on the suppression list", job, suppressed.size(),
                seen(recipients));
        if (job.isRaw()) {
            RawMessage raw = job.getRawMessage();
            job.setRawMessage(new RawMessage(raw.from(), raw.recipients().stream()
                    .filter(a -> !found.containsKey(Suppression.key(a.getAddress()))).toList(), raw.messageId(),
                    raw.subject()));
        } else {
            MailJob mail = job.getMailJob();
            job.setMailJob(mail.withRecipients(without(mail.to(), found), without(mail.cc(), found),
                    without(mail.bcc(), found)));
        }
    }

    private static int seen(List<InternetAddress> recipients) {
        return (int) recipients.stream().map(a -> Suppression.key(a.getAddress())).distinct().count();
    }

    /** The recipients of the job: To, Cc and Bcc of a JSON job, the envelope of a raw message. */
    static List<InternetAddress> recipientsOf(QueuedJob job) throws AddressException {
        if (job.isRaw()) {
            return job.getRawMessage().recipients();
        }
        MailJob mail = job.getMailJob();
        List<InternetAddress> out = new ArrayList<>();
        for (List<String> field : List.of(mail.to(), mail.cc(), mail.bcc())) {
            for (String value : field) {
                out.addAll(Addresses.parseList(value));
            }
        }
        return out;
    }

    /** The entries of a recipient field without the suppressed addresses (a "a@x, b@y" entry is split). */
    private static List<String> without(List<String> field, Map<String, Suppression> suppressed)
            throws AddressException {
        List<String> out = new ArrayList<>();
        for (String value : field) {
            List<InternetAddress> parsed = Addresses.parseList(value);
            if (parsed.stream().noneMatch(a -> suppressed.containsKey(Suppression.key(a.getAddress())))) {
                out.add(value);
                continue;
            }
            for (InternetAddress a : parsed) {
                if (!suppressed.containsKey(Suppression.key(a.getAddress()))) {
                    out.add(a.toUnicodeString());
                }
            }
        }
        return out;
    }
}
