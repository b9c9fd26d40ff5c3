package org.outboxrelay.replies;

/** What the relay does about a failure, as a reply table says. */
public enum ReplyAction {
    /** Try the job again later (with the retry back-off). */
    TRANSIENT,
    /** The job can never succeed as it is: dead letter with the reason. */
    PERMANENT,
    /** Nothing is wrong with the job, the account cannot send now: the whole account pauses, the job waits. */
    PAUSE
}
