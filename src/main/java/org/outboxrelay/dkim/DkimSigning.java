package org.outboxrelay.dkim;

import java.io.ByteArrayOutputStream;
import java.util.List;

import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.apache.camel.Body;
import org.outboxrelay.delivery.OutgoingMessage;
import org.simplejavamail.utils.mail.dkim.DkimMessage;

/**
 * The delivery route's last step before SMTP, {@code dkimSigning.sign}: a message whose From domain has a key
 * in relay.dkim.keys is signed (relaxed/relaxed, rsa-sha256 and/or ed25519-sha256) by
 * {@code org.simplejavamail:utils-mail-dkim}; the signed bytes are what goes to the server, unchanged. Built
 * jobs and raw messages alike; messages of other domains pass unsigned.
 */
public class DkimSigning {

    private final DkimSettings settings;

    public DkimSigning(DkimSettings settings) {
        this.settings = settings;
    }

    public void sign(@Body OutgoingMessage message) throws Exception {
        if (settings.keys().isEmpty()) {
            return;
        }
        InternetAddress[] from = (InternetAddress[]) message.getFrom();
        if (from == null || from.length == 0) {
            return;
        }
        String address = from[0].getAddress();
        List<DkimKey> keys = settings.forDomain(address.substring(address.lastIndexOf('@') + 1));
        if (keys.isEmpty()) {
            return;
        }
        MimeMessage signed = message;
        for (DkimKey key : keys) {
            // each signature over the message as signed so far: the second one adds its header on top
            signed = new DkimMessage(signed, key.signer());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            signed.writeTo(bytes);
            signed = new MimeMessage(message.getSession(), new java.io.ByteArrayInputStream(bytes.toByteArray()));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        signed.writeTo(bytes);
        message.setSignedBytes(bytes.toByteArray());
    }

    /** For a status line at start: which domains sign. */
    public String describe() {
        return settings.keys().isEmpty() ? "DKIM: no keys (relay.dkim.keys), nothing is signed"
                : "DKIM signing for " + String.join(", ", settings.keys().stream()
                        .map(k -> k.domain() + " (" + k.recordName() + ", " + k.type().algorithm() + ")").toList());
    }
}
