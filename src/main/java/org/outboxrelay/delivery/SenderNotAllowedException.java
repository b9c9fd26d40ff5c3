package org.outboxrelay.delivery;

/**
 * The message claims to come from an address the account may not send as (no open relay); {@link #field()} is
 * the header that names it (From, Sender, Resent-From, Resent-Sender). Always permanent.
 */
public class SenderNotAllowedException extends Exception {

    private final String field;

    public SenderNotAllowedException(String message) {
        this("From", message);
    }

    public SenderNotAllowedException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The header of the address that is not allowed. */
    public String field() {
        return field;
    }
}
