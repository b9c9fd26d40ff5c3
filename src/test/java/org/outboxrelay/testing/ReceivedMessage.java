package org.outboxrelay.testing;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * One message as a test SMTP server received it: its envelope, its bytes, the SMTP session (connection) it came
 * over and when.
 */
public record ReceivedMessage(String envelopeFrom, List<String> recipients, byte[] raw, String session,
        java.time.Instant receivedAt) {

    public MimeMessage mime() {
        try {
            return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String text() {
        return new String(raw, StandardCharsets.UTF_8);
    }

    public String subject() {
        try {
            return mime().getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String header(String name) {
        try {
            return mime().getHeader(name, ",");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first part of the given type (text/plain, text/html, ...), decoded. */
    public String part(String type) {
        try {
            Part p = find(mime(), type);
            return p == null ? null : String.valueOf(p.getContent());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The decoded bytes of the attachment with this file name. */
    public byte[] attachment(String filename) {
        try {
            Part p = findFile(mime(), filename);
            return p == null ? null : p.getInputStream().readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The part with this Content-ID (without angle brackets). */
    public Part partWithContentId(String contentId) {
        try {
            return findCid(mime(), "<" + contentId + ">");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Part find(Part p, String type) throws Exception {
        if (p.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) p.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                Part found = find(mp.getBodyPart(i), type);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        boolean attachment = Part.ATTACHMENT.equalsIgnoreCase(p.getDisposition());
        return p.isMimeType(type) && !attachment ? p : null;
    }

    private static Part findFile(Part p, String filename) throws Exception {
        if (p.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) p.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                Part found = findFile(mp.getBodyPart(i), filename);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        return filename.equals(p.getFileName()) ? p : null;
    }

    private static Part findCid(Part p, String cid) throws Exception {
        if (p.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) p.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart b = mp.getBodyPart(i);
                Part found = findCid(b, cid);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        String[] ids = p.getHeader("Content-ID");
        return ids != null && cid.equals(ids[0]) ? p : null;
    }
}
