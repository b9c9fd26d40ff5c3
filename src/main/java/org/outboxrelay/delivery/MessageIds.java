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
        String time = String.format("%012x", admittedAt.toEpochMilli());
        return "<" + time + "." + HexFormat.of().formatHex(hash(jobId), 0, HASH_BYTES_AFTER_TIME) + ".relay@" + domain
                + ">";
    }

    private static byte[] hash(String jobId) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(jobId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
