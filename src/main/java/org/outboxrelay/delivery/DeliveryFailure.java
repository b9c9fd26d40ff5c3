package org.outboxrelay.delivery;

import java.time.Instant;

/**
 * A classified failure: its kind, the SMTP reply code (0 when there was no reply), the enhanced status code
 * such as 5.1.1 (when the server gave one), the reply text, and a reason a person can act on. {@code notBefore} is set when the failure itself says when sending
 * can work again (the daily recipient budget is used up until midnight UTC).
 */
public record DeliveryFailure(FailureKind kind, int code, String enhancedCode, String reply, String reason,
        Instant notBefore) {

    public DeliveryFailure(FailureKind kind, int code, String enhancedCode, String reply, String reason) {
        this(kind, code, enhancedCode, reply, reason, null);
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
