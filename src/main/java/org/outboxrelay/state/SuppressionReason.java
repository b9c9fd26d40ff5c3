package org.outboxrelay.state;

import java.util.Locale;

/** Why an address is on the suppression list. */
public enum SuppressionReason {
    /** A permanent failure about the address (5.1.x: no such user or domain, 5.2.1: disabled, ...). */
    HARD_BOUNCE,
    /** relay.suppression.soft-bounce-limit temporary failures within relay.suppression.soft-bounce-window. */
    SOFT_BOUNCES,
    /** The recipient reported the message as junk (an ARF report, RFC 5965). */
    COMPLAINT,
    /** The recipient unsubscribed from a list (RFC 8058 one-click, or the confirmation page). */
    UNSUBSCRIBE,
    /** Added by hand: the suppression command, the admin API, an import. */
    MANUAL;

    /** hard-bounce, soft-bounces, complaint, unsubscribe, manual. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static SuppressionReason of(String id) {
        for (SuppressionReason r : values()) {
            if (r.id().equalsIgnoreCase(id.strip()) || r.name().equalsIgnoreCase(id.strip())) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown reason \"" + id + "\": one of hard-bounce, soft-bounces,"
                + " complaint, unsubscribe, manual");
    }
}
