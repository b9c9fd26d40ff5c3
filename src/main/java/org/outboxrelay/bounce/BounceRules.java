package org.outboxrelay.bounce;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.outboxrelay.state.RecipientOutcome;

/**
 * What each reported status means for the recipient, as data: delayed (4.x.x, Action: delayed) is a soft bounce;
 * a permanent failure (5.x.x, Action: failed) is a hard bounce - and puts the address on the suppression list
 * unless the status says the failure was not about the address (policy, reputation, content, size, full
 * mailbox: the next message may well arrive). Delivered, relayed and expanded are no bounce at all.
 */
public final class BounceRules {

    /** A permanent failure that does not mean the address is bad: no suppression. */
    record NotTheAddress(Pattern status, String why) {
    }

    static final List<NotTheAddress> NOT_THE_ADDRESS = List.of(
            new NotTheAddress(Pattern.compile("^5\\.7\\.\\d+$"), "refused for policy or reputation (the sender or"
                    + " the content, e.g. Microsoft's 5.7.1 block lists, 5.7.515 authentication), not the address"),
            new NotTheAddress(Pattern.compile("^5\\.2\\.2$"), "the mailbox is full"),
            new NotTheAddress(Pattern.compile("^5\\.2\\.3$"), "the message is too large for the recipient"),
            new NotTheAddress(Pattern.compile("^5\\.3\\.4$"), "the message is too large for the system"),
            new NotTheAddress(Pattern.compile("^5\\.6\\.\\d+$"), "the content was refused"));

    /** What to do with one reported recipient. */
    public record Decision(RecipientOutcome.Kind outcome, boolean suppress, String why) {
        public boolean ignore() {
            return outcome == null;
        }

        /** "hard" or "soft", for the metrics and events. */
        public String kind() {
            return outcome == RecipientOutcome.Kind.DELAYED ? "soft" : "hard";
        }
    }

    private BounceRules() {
    }

    public static Decision decide(String action, String status) {
        String a = action == null ? "" : action.toLowerCase(Locale.ROOT);
        if (a.equals("delivered") || a.equals("relayed") || a.equals("expanded")) {
            return new Decision(null, false, "not a bounce: " + a);
        }
        if (a.equals("delayed") || status != null && status.startsWith("4.")) {
            return new Decision(RecipientOutcome.Kind.DELAYED, false, "delayed: the server keeps trying");
        }
        if (status != null) {
            for (NotTheAddress rule : NOT_THE_ADDRESS) {
                if (rule.status().matcher(status).matches()) {
                    return new Decision(RecipientOutcome.Kind.BOUNCED, false, rule.why());
                }
            }
        }
        return new Decision(RecipientOutcome.Kind.BOUNCED, true, "the address cannot receive mail");
    }
}
