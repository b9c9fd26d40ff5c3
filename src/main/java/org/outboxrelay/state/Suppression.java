package org.outboxrelay.state;

import java.time.Instant;
import java.util.Locale;

/**
 * One address on the suppression list of an account: for every list of the account ({@code list} empty), or for
 * one list (an unsubscribe). {@code jobId} is the job whose bounce or complaint put it there, when known.
 */
public record Suppression(String account, String list, String address, SuppressionReason reason, String detail,
        String jobId, Instant createdAt) {

    /** The list name that stands for every list of the account. */
    public static final String EVERY_LIST = "";

    public Suppression {
        list = list == null ? EVERY_LIST : list;
        account = account.toLowerCase(Locale.ROOT);
    }

    public boolean everyList() {
        return list.isEmpty();
    }

    /** "hard-bounce", or "unsubscribe from newsletter". */
    public String describe() {
        return reason.id() + (everyList() ? "" : " from " + list);
    }

    public static String key(String address) {
        return address.strip().toLowerCase(Locale.ROOT);
    }
}
