package org.outboxrelay.delivery;

import java.time.Instant;

/**
 * The account cannot take this job right now, though nothing failed: a limit shared by the relays is reached for
 * the moment (messages per period, SMTP connections across all relays), or another job is probing the account
 * after a pause. The job goes back on the queue until {@link #until()}; this is neither an attempt nor a
 * deferral, and no event is published.
 */
public class AccountBusyException extends Exception {

    /** What the account is busy with: the metrics label. */
    public enum Cause { MESSAGE_RATE, CONNECTIONS, PROBE }

    private final Cause cause;
    private final Instant until;

    public AccountBusyException(Cause cause, String message, Instant until) {
        super(message);
        this.cause = cause;
        this.until = until;
    }

    public Cause busyWith() {
        return cause;
    }

    /** The AccountBusyException an exchange was handled for, wherever it sits in the chain of causes. */
    public static AccountBusyException of(org.apache.camel.Exchange exchange) {
        Throwable t = exchange.getProperty(org.apache.camel.Exchange.EXCEPTION_CAUGHT, Throwable.class);
        while (t != null && !(t instanceof AccountBusyException)) {
            t = t.getCause() == t ? null : t.getCause();
        }
        return (AccountBusyException) t;
    }

    public Instant until() {
        return until;
    }
}
