package org.outboxrelay.delivery;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

import org.outboxrelay.replies.PauseLength;
import org.outboxrelay.replies.ReplyRule;

/**
 * A classified failure: its kind, the SMTP reply code (0 when there was no reply), the enhanced status code
 * such as 5.1.1 (when the server gave one), the reply text, and a reason a person can act on. {@code notBefore}
 * is set when the failure itself says when sending can work again (the daily recipient budget is used up until
 * midnight UTC). {@code rule} is the row of the reply table that decided (null when none did): it gives the
 * {@link #fix()} in plain words and, for account-level failures, the {@link #pause()} length.
 */
public record DeliveryFailure(FailureKind kind, int code, String enhancedCode, String reply, String reason,
        Instant notBefore, List<SendResult.Refusal> refused, ReplyRule rule) {

    private static final Pattern ADDRESS = Pattern.compile("[^\\s<>\"',;:()\\[\\]]+@[A-Za-z0-9.-]+");

    public DeliveryFailure {
        refused = refused == null ? List.of() : List.copyOf(refused);
    }

    public DeliveryFailure(FailureKind kind, int code, String enhancedCode, String reply, String reason) {
        this(kind, code, enhancedCode, reply, reason, null, null, null);
    }

    public DeliveryFailure(FailureKind kind, int code, String enhancedCode, String reply, String reason,
            Instant notBefore) {
        this(kind, code, enhancedCode, reply, reason, notBefore, null, null);
    }

    public DeliveryFailure(FailureKind kind, int code, String enhancedCode, String reply, String reason,
            Instant notBefore, List<SendResult.Refusal> refused) {
        this(kind, code, enhancedCode, reply, reason, notBefore, refused, null);
    }

    /** What a person can do about it, from the reply table; null when the table has nothing to say. */
    public String fix() {
        return rule == null ? null : rule.fix();
    }

    /** How long an account-level failure pauses the account (the reply table's pause column); null otherwise. */
    public PauseLength pause() {
        return rule == null ? null : rule.pause();
    }

    /** The id of the reply table's rule that decided, or null. */
    public String ruleId() {
        return rule == null ? null : rule.id();
    }

    /** The same failure with another reason (the reply, the rule and the refusals stay). */
    public DeliveryFailure withReason(FailureKind newKind, String newReason) {
        return new DeliveryFailure(newKind, code, enhancedCode, reply, newReason, notBefore, refused, rule);
    }

    /**
     * The reason without any address, for events and the audit trail (addresses appear there only in the list
     * of refused recipients). The full reason goes where a person looks: NAME.error.json, mail.dead, the log.
     */
    public String publicReason() {
        return withoutAddresses(reason);
    }

    public static String withoutAddresses(String text) {
        return text == null ? null : ADDRESS.matcher(text).replaceAll("<address>");
    }

    public boolean isTransient() {
        return kind == FailureKind.TRANSIENT;
    }

    public boolean isPermanent() {
        return kind == FailureKind.PERMANENT;
    }

    public boolean isAccountLevel() {
        return kind == FailureKind.ACCOUNT;
    }

    /** The reply as reported in events and error files: code and text, or null when none. */
    public String smtpReply() {
        return reply;
    }
}
