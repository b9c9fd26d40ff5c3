package org.outboxrelay.delivery;

/** A job with more recipients than one message may have, while relay.limits.over-recipient-limit=refuse. */
public class RecipientLimitExceededException extends Exception {

    public RecipientLimitExceededException(String message) {
        super(message);
    }
}
