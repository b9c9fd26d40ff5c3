package org.outboxrelay.job;

/**
 * A recipient of a job that the relay did not send to because the address is on the suppression list, with
 * why ("hard-bounce", "unsubscribe from newsletter"). {@code firstTime}: the job had not been reported for it
 * in an earlier attempt.
 */
public record SuppressedRecipient(String address, String reason, boolean firstTime) {
}
