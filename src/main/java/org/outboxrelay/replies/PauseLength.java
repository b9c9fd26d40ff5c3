package org.outboxrelay.replies;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.outboxrelay.config.Settings;

/**
 * How long an account-level failure pauses the account, as a reply table writes it:
 * <ul>
 * <li>{@code short}: relay.account.pause.initial, every time (a connection of ours is still open somewhere);</li>
 * <li>{@code growing}: relay.account.pause.initial, doubling with each pause in a row up to
 * relay.account.pause.max;</li>
 * <li>{@code 30m-24h}: 30 minutes, doubling up to 24 hours (quotas and throttling: hammering on makes Microsoft
 * throttle harder).</li>
 * </ul>
 * {@code first} and {@code max} are null where the relay's settings decide.
 */
public record PauseLength(String spec, Duration first, Duration max, boolean grows) {

    public static final PauseLength SHORT = new PauseLength("short", null, null, false);
    public static final PauseLength GROWING = new PauseLength("growing", null, null, true);
    private static final Pattern RANGE = Pattern.compile("(\\S+)\\s*-\\s*(\\S+)");

    public static PauseLength parse(String spec) {
        String s = spec == null ? "growing" : spec.trim();
        if (s.equals("short")) {
            return SHORT;
        }
        if (s.equals("growing")) {
            return GROWING;
        }
        Matcher m = RANGE.matcher(s);
        if (m.matches()) {
            Duration first = Settings.parseDuration(m.group(1));
            Duration max = Settings.parseDuration(m.group(2));
            if (first != null && max != null && !first.isZero() && first.compareTo(max) <= 0) {
                return new PauseLength(s, first, max, true);
            }
        }
        throw new IllegalArgumentException("pause must be short, growing or FIRST-MAX such as 30m-24h, not \"" + spec
                + "\"");
    }

    /** The pause for the {@code inARow}-th pause in a row (0 for the first). */
    public Duration length(Duration initialSetting, Duration maxSetting, int inARow) {
        Duration start = first == null ? initialSetting : first;
        Duration cap = max == null ? maxSetting : max;
        if (!grows) {
            return start;
        }
        Duration d = start.multipliedBy(1L << Math.min(20, Math.max(0, inARow)));
        return d.compareTo(cap) > 0 ? cap : d;
    }

    /** In words, for the README and doctor. */
    public String describe() {
        if (this == SHORT || "short".equals(spec)) {
            return "pauses the account briefly (relay.account.pause.initial)";
        }
        if (first == null) {
            return "pauses the account, growing (relay.account.pause.initial doubling up to .max)";
        }
        return "pauses the account (" + spec.substring(0, spec.indexOf('-')).trim() + ", doubling up to "
                + spec.substring(spec.indexOf('-') + 1).trim() + ")";
    }
}
