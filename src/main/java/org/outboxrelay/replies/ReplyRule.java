package org.outboxrelay.replies;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One row of a reply table: which failure it is about - an SMTP reply (code, enhanced status code, a pattern of
 * its text) or a {@link FailureCondition} without a reply - and what to do about it: the action, the pause
 * length for account-level failures, what it means and how to fix it, in plain words.
 *
 * @param table  the table the rule comes from (generic, microsoft)
 * @param id     a stable name, e.g. ms-smtp-auth-disabled-mailbox
 * @param reply  the reply as the table writes it: {@code 535 5.7.139}, {@code 4xx}, {@code 5xx 5.7.501-5.7.503};
 *               null for a failure condition
 */
public record ReplyRule(String table, String id, String reply, Pattern text, FailureCondition condition,
        ReplyAction action, PauseLength pause, String meaning, String fix) {

    private static final Pattern REPLY_SPEC = Pattern.compile(
            "([2-5](?:\\d\\d|xx)|\\*)(?:\\s+(\\d\\.\\d{1,3}\\.\\d{1,3}(?:-\\d\\.\\d{1,3}\\.\\d{1,3})?|\\*))?");
    private static final Pattern ENHANCED = Pattern.compile("(\\d)\\.(\\d{1,3})\\.(\\d{1,3})");

    public ReplyRule {
        if ((reply == null) == (condition == null)) {
            throw new IllegalArgumentException(id + ": give either reply or failure");
        }
        if (reply != null && !REPLY_SPEC.matcher(reply).matches()) {
            throw new IllegalArgumentException(id + ": reply must look like 535, 5xx, 535 5.7.139 or"
                    + " 5xx 5.7.501-5.7.503, not \"" + reply + "\"");
        }
        if ((action == ReplyAction.PAUSE) != (pause != null)) {
            throw new IllegalArgumentException(id + ": a pause length goes with action pause, and only there");
        }
        if (meaning == null || meaning.isBlank()) {
            throw new IllegalArgumentException(id + ": meaning is required");
        }
    }

    /** Whether this rule is about the reply {@code code} with enhanced status {@code enhanced} and this text. */
    public boolean matches(int code, String enhanced, String replyText) {
        if (reply == null) {
            return false;
        }
        Matcher spec = REPLY_SPEC.matcher(reply);
        spec.matches();
        if (!codeMatches(spec.group(1), code)) {
            return false;
        }
        String enhancedSpec = spec.group(2);
        if (enhancedSpec != null && !enhancedSpec.equals("*") && !enhancedMatches(enhancedSpec, enhanced)) {
            return false;
        }
        return text == null || (replyText != null && text.matcher(replyText).find());
    }

    public boolean matches(FailureCondition failure) {
        return condition == failure;
    }

    private static boolean codeMatches(String spec, int code) {
        if (spec.equals("*")) {
            return true;
        }
        if (spec.endsWith("xx")) {
            return code / 100 == spec.charAt(0) - '0';
        }
        return code == Integer.parseInt(spec);
    }

    private static boolean enhancedMatches(String spec, String enhanced) {
        if (enhanced == null) {
            return false;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return spec.equals(enhanced);
        }
        int[] low = parts(spec.substring(0, dash));
        int[] high = parts(spec.substring(dash + 1));
        int[] e = parts(enhanced);
        return e != null && e[0] == low[0] && e[1] == low[1] && e[2] >= low[2] && e[2] <= high[2];
    }

    private static int[] parts(String enhanced) {
        Matcher m = ENHANCED.matcher(enhanced);
        if (!m.matches()) {
            return null;
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }

    /** What the relay does, in words: retries the job, dead-letters it, pauses the account (for how long). */
    public String describeAction() {
        return switch (action) {
            case TRANSIENT -> "retries the job later";
            case PERMANENT -> "fails the job (dead letter, never retried)";
            case PAUSE -> pause.describe() + "; the job waits";
        };
    }

    /** The reply or failure the rule is about, as written in the table (plus its text pattern). */
    public String subject() {
        if (condition != null) {
            return condition.id();
        }
        return text == null ? reply : reply + " " + text.pattern();
    }
}
