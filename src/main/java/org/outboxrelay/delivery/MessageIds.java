package org.outboxrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * RFC 5322 Message-IDs derived from the job: the same job always gets the same Message-ID, so that a message that
 * was sent twice despite everything (a crash between SMTP acceptance and acknowledgement) can still be recognised
 * as one by its recipients.
 *
 * <p>A job the job store admitted gets the time of its admission (the store's {@code created_at}, which every
 * later attempt and every relay of a cluster reads back unchanged) ahead of the hash of its id. Message-IDs made
 * one after another then sort one after another, so the store's index of them ({@code mail_job_message_id}, read
 * when a bounce names a Message-ID) grows at its end, as its other indexes do, instead of at a random page per
 * job: each group commit writes fewer pages (README, "Performance").
 */
public final class MessageIds {

    /** Bytes of the hash of the job id after the time: 80 bits, to tell apart the jobs admitted in one millisecond. */
    private static final int HASH_BYTES_AFTER_TIME = 10;
    /** Hex digits of the admission time (milliseconds since 1970), zero-padded: 12 last until the year 10889. */
    private static final int TIME_DIGITS = 12;
    private static final String TIME_PADDING = "0".repeat(TIME_DIGITS);

    private MessageIds() {
    }

    /** A job not admitted to the job store (a preview): the hash of its id alone. */
    public static String forJob(String jobId, String domain) {
        return "<" + HexFormat.of().formatHex(hash(jobId), 0, 16) + ".relay@" + domain + ">";
    }

    /**
     * A job the job store admitted at {@code admittedAt} (null: as {@link #forJob(String, String)}); only its
     * milliseconds count, as the store keeps them.
     */
    public static String forJob(String jobId, Instant admittedAt, String domain) {
        if (admittedAt == null) {
            return forJob(jobId, domain);
        }
        String time = Long.toHexString(admittedAt.toEpochMilli());
        return "<" + TIME_PADDING.substring(Math.min(time.length(), TIME_DIGITS)) + time + "." + HexFormat.of().formatHex(hash(jobId), 0, HASH_BYTES_AFTER_TIME) + ".relay@" + domain
                + ">";
    }

    private static byte[] hash(String jobId) {
        try {
            // a copy of one digest rather than a look-up among the security providers for every message
            return ((MessageDigest) SHA_256.clone()).digest(jobId.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final MessageDigest SHA_256 = sha256();

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
