package org.outboxrelay.bounce;

/**
 * One recipient a report told of, as recorded on its job: bounced (kind hard) or delayed (soft), or complained;
 * {@code suppressed} the reason it was put on the suppression list now (null when it was not).
 */
public record BouncedRecipient(String address, String kind, String status, String action, String diagnostic,
        String suppressed) {
}
