package org.outboxrelay.delivery;

import java.util.List;
import java.util.Locale;

import jakarta.mail.internet.InternetAddress;

import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.RawMessage;
import org.outboxrelay.job.Addresses;

/**
 * No open relay: a message may only be From the account ({@code relay.smtp.from}) or an address listed in
 * {@code relay.smtp.allowed-from} (exact addresses, or {@code *@example.com} for a whole domain).
 */
public class SenderPolicy {

    private final InternetAddress account;
    private final List<String> allowed;

    public SenderPolicy(InternetAddress account, List<String> allowed) {
        this.account = account;
        this.allowed = allowed.stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
    }

    /** The From of the job: what it says, or the account for JSON jobs that give none. */
    public InternetAddress fromOf(QueuedJob job) throws Exception {
        if (job.isRaw()) {
            RawMessage raw = job.getRawMessage();
            return raw.from();
        }
        String from = job.getMailJob().from();
        return from == null ? account : Addresses.parseOne(from);
    }

    /**
     * The From of the job, and for a complete message every other address it claims to come from (Sender,
     * Resent-From, Resent-Sender): each must be the account or allowed. (JSON jobs cannot set those headers.)
     */
    public void check(@ExchangeProperty("job") QueuedJob job) throws Exception {
        if (job.isRaw()) {
            for (RawMessage.Originator o : job.getRawMessage().originators()) {
                require(o.header(), o.address());
            }
        } else {
            require("From", fromOf(job));
        }
    }

    private void require(String header, InternetAddress address) throws SenderNotAllowedException {
        if (!isAllowed(address.getAddress())) {
            throw new SenderNotAllowedException(header, header + " " + address.getAddress() + " is not allowed: the account"
                    + " sends as " + account.getAddress() + (allowed.isEmpty() ? "" : " or " + String.join(", ", allowed))
                    + " (add the address to relay.smtp.allowed-from if the account may send as it)");
        }
    }

    public boolean isAllowed(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        if (a.equals(account.getAddress().toLowerCase(Locale.ROOT))) {
            return true;
        }
        for (String pattern : allowed) {
            if (pattern.equals(a)) {
                return true;
            }
            if ((pattern.startsWith("*@") || pattern.startsWith("@"))
                    && a.endsWith(pattern.substring(pattern.indexOf('@')))) {
                return true;
            }
        }
        return false;
    }
}
