package org.outboxrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * RFC 5322 Message-IDs derived from the job id: the same job always gets the same Message-ID, so that a
 * message that was sent twice despite everything (a crash between SMTP acceptance and acknowledgement) can
 * still be recognised as one by its recipients.
 */
public final class MessageIds {

    private MessageIds() {
    }

    public static String forJob(String jobId, String domain) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(jobId.getBytes(StandardCharsets.UTF_8));
            String local = HexFormat.of().formatHex(hash, 0, 16);
            return "<" + local + ".relay@" + domain + ">";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
