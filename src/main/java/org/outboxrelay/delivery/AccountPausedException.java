package org.outboxrelay.delivery;

import java.time.Instant;

/**
 * The account cannot send until {@link #until()}: it is paused after an account-level failure, or its daily
 * recipient budget is used up. The job waits; it is not failed.
 */
public class AccountPausedException extends Exception {

    private final Instant until;
    private final boolean newPause;

    public AccountPausedException(String message, Instant until, boolean newPause) {
        super(message);
        this.until = until;
        this.newPause = newPause;
    }

    public Instant until() {
        return until;
    }

    /** True when this starts a pause (the budget ran out), false when the account was paused already. */
    public boolean newPause() {
        return newPause;
    }
}
