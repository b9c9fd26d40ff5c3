package org.outboxrelay.delivery;

/** What a failure means for the job. */
public enum FailureKind {
    /** Try again later: 4xx replies, refused or reset connections, timeouts, the broker or store unavailable. */
    TRANSIENT,
    /** Never succeeds as it is: 5xx for this message, an invalid job, a From that is not allowed. */
    PERMANENT,
    /**
     * Nothing is wrong with the message but the account cannot send now (sign-in refused, quota, too many
     * connections, Microsoft throttling): the job waits and the whole account pauses.
     */
    ACCOUNT
}
