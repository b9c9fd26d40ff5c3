package org.outboxrelay.state;

import java.util.Locale;

/**
 * Where one recipient of a job stands: {@code pending} (not sent yet), {@code sent} (an SMTP server accepted
 * it), {@code refused} (5xx at RCPT), {@code deferred} (4xx at RCPT, tried again), {@code bounced} /
 * {@code delayed} (a later delivery status notification), {@code complained} (an ARF report), {@code suppressed}
 * (on the suppression list). A recipient that is sent, bounced, delayed or complained is never sent to again by a
 * later attempt of the same job.
 */
public record RecipientState(String address, String status, String reply) {

    public static final String PENDING = "pending";
    public static final String SENT = "sent";
    public static final String REFUSED = "refused";
    public static final String DEFERRED = "deferred";
    public static final String BOUNCED = "bounced";
    public static final String DELAYED = "delayed";
    public static final String SUPPRESSED = "suppressed";
    /** The recipient reported the message as junk (an ARF complaint): it was delivered. */
    public static final String COMPLAINED = "complained";

    public RecipientState {
        address = address.toLowerCase(Locale.ROOT);
    }

    /** True when an SMTP server took the message for this recipient (whatever happened later). */
    public boolean reached() {
        return SENT.equals(status) || BOUNCED.equals(status) || DELAYED.equals(status) || COMPLAINED.equals(status);
    }
}
