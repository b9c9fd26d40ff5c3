package org.outboxrelay.console;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import jakarta.mail.BodyPart;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * A complete message (RFC 5322, as it was or would be sent) as the console shows it: its headers (decoded), the
 * text part, whether it has an HTML part and how many remote images that part would load, and its attachments.
 * The HTML itself is served on its own ({@link #html}) for a sandboxed frame: inline images ({@code cid:}) become
 * {@code data:} URIs, and what could run or leave the frame (scripts, frames, objects, forms, base, meta refresh)
 * is taken out - on top of the frame's sandbox and Content-Security-Policy, which are what keep it harmless.
 */
public final class MessageView {

    /** Parts larger than this are not inlined into the HTML (they stay listed as attachments). */
    private static final int MAX_INLINE_BYTES = 2 * 1024 * 1024;
    private static final Session SESSION = Session.getInstance(new Properties());

    /** One header, its value decoded (RFC 2047). */
    public record HeaderLine(String name, String value) {
    }

    /** A part that is not the text or the HTML body: its number (for download), name, type and size. */
    public record Attachment(int part, String filename, String contentType, long size, boolean inline) {
    }

    /** What the console shows of a message. */
    public record View(List<HeaderLine> headers, String subject, String from, String to, String cc, String date,
            String messageId, String text, boolean hasHtml, int remoteImages, List<Attachment> attachments,
            long size) {
    }

    private final byte[] raw;
    private final MimeMessage message;
    private final List<Part> leaves = new ArrayList<>();
    private Part textPart;
    private Part htmlPart;

    private MessageView(byte[] raw) throws MessagingException, IOException {
        this.raw = raw;
        this.message = new MimeMessage(SESSION, new ByteArrayInputStream(raw));
        collect(message);
    }

    /** Reads a message; a message too broken for Jakarta Mail is an {@link IllegalArgumentException}. */
    public static MessageView of(byte[] raw) {
        try {
            return new MessageView(raw);
        } catch (MessagingException | IOException e) {
            throw new IllegalArgumentException("the message cannot be read: " + e.getMessage(), e);
        }
    }

    public byte[] raw() {
        return raw;
    }

    private void collect(Part part) throws MessagingException, IOException {
        if (part.isMimeType("multipart/*")) {
            Object content = part.getContent();
            if (content instanceof Multipart multipart) {
                for (int i = 0; i < multipart.getCount(); i++) {
                    collect(multipart.getBodyPart(i));
                }
                return;
            }
        }
        leaves.add(part);
        boolean attached = Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || part.getFileName() != null;
        if (!attached && textPart == null && part.isMimeType("text/plain")) {
            textPart = part;
        } else if (!attached && htmlPart == null && part.isMimeType("text/html")) {
            htmlPart = part;
        }
    }

    public View view() {
        try {
            List<HeaderLine> headers = new ArrayList<>();
            for (Header h : Collections.list(message.getAllHeaders())) {
                headers.add(new HeaderLine(h.getName(), decode(h.getValue())));
            }
            List<Attachment> attachments = new ArrayList<>();
            for (int i = 0; i < leaves.size(); i++) {
                Part p = leaves.get(i);
                if (p == textPart || p == htmlPart) {
                    continue;
                }
                String type = baseType(p);
                attachments.add(new Attachment(i, filename(p, i), type, size(p),
                        p.getHeader("Content-ID") != null && !Part.ATTACHMENT.equalsIgnoreCase(p.getDisposition())));
            }
            int remote = 0;
            if (htmlPart != null) {
                remote = Jsoup.parse(text(htmlPart)).select("img[src~=(?i)^https?:], [background~=(?i)^https?:]")
                        .size();
            }
            return new View(headers, header("Subject"), header("From"), header("To"), header("Cc"), header("Date"),
                    header("Message-ID"), textPart == null ? null : text(textPart), htmlPart != null, remote,
                    attachments, raw.length);
        } catch (MessagingException | IOException e) {
            throw new IllegalArgumentException("the message cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * The HTML part for the sandboxed frame, with inline images as data: URIs and nothing active left in it; null
     * when the message has no HTML part.
     */
    public String html() {
        if (htmlPart == null) {
            return null;
        }
        try {
            Document doc = Jsoup.parse(text(htmlPart));
            doc.select("script, noscript, iframe, frame, frameset, object, embed, applet, base, form, "
                    + "meta[http-equiv], link[rel~=(?i)(import|preload|prefetch|stylesheet)]").remove();
            for (Element e : doc.getAllElements()) {
                List<String> handlers = new ArrayList<>();
                e.attributes().forEach(a -> {
                    if (a.getKey().toLowerCase(Locale.ROOT).startsWith("on")
                            || a.getValue().trim().toLowerCase(Locale.ROOT).startsWith("javascript:")) {
                        handlers.add(a.getKey());
                    }
                });
                handlers.forEach(e::removeAttr);
            }
            Map<String, String> inline = inlineImages();
            for (Element img : doc.select("[src^=cid:]")) {
                String uri = inline.get(contentIdOf(img.attr("src").substring(4)));
                if (uri != null) {
                    img.attr("src", uri);
                }
            }
            doc.outputSettings().charset(StandardCharsets.UTF_8);
            return doc.outerHtml();
        } catch (MessagingException | IOException e) {
            throw new IllegalArgumentException("the HTML part cannot be read: " + e.getMessage(), e);
        }
    }

    /** Attachment number {@code part} (see {@link Attachment#part()}): its name, type and decoded bytes. */
    public record PartContent(String filename, String contentType, byte[] bytes) {
    }

    public PartContent part(int number) {
        if (number < 0 || number >= leaves.size()) {
            throw new IllegalArgumentException("the message has no part " + number);
        }
        Part p = leaves.get(number);
        try (InputStream in = p.getInputStream()) {
            return new PartContent(filename(p, number), baseType(p), in.readAllBytes());
        } catch (MessagingException | IOException e) {
            throw new IllegalArgumentException("part " + number + " cannot be read: " + e.getMessage(), e);
        }
    }

    private Map<String, String> inlineImages() throws MessagingException, IOException {
        Map<String, String> byId = new HashMap<>();
        for (Part p : leaves) {
            String[] ids = p.getHeader("Content-ID");
            if (ids == null || ids.length == 0 || !p.isMimeType("image/*")) {
                continue;
            }
            try (InputStream in = p.getInputStream()) {
                byte[] bytes = in.readNBytes(MAX_INLINE_BYTES + 1);
                if (bytes.length <= MAX_INLINE_BYTES) {
                    byId.put(contentIdOf(ids[0]), "data:" + baseType(p) + ";base64,"
                            + Base64.getEncoder().encodeToString(bytes));
                }
            }
        }
        return byId;
    }

    private static String contentIdOf(String id) {
        String s = id.trim();
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        return s.toLowerCase(Locale.ROOT);
    }

    private String header(String name) throws MessagingException {
        String value = message.getHeader(name, ", ");
        return value == null ? null : decode(value);
    }

    private static String decode(String value) {
        try {
            return MimeUtility.decodeText(MimeUtility.unfold(value));
        } catch (java.io.UnsupportedEncodingException e) {
            return value;
        }
    }

    private static String text(Part part) throws MessagingException, IOException {
        Object content = part.getContent();
        if (content instanceof String s) {
            return s;
        }
        try (InputStream in = part.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String baseType(Part p) throws MessagingException {
        try {
            return new ContentType(p.getContentType()).getBaseType().toLowerCase(Locale.ROOT);
        } catch (MessagingException | RuntimeException e) {
            return "application/octet-stream";
        }
    }

    private static String filename(Part p, int number) throws MessagingException {
        String name = p.getFileName();
        if (name != null) {
            try {
                return MimeUtility.decodeText(name);
            } catch (java.io.UnsupportedEncodingException e) {
                return name;
            }
        }
        return "part-" + number;
    }

    private static long size(Part p) throws MessagingException {
        if (p instanceof BodyPart) {
            try (InputStream in = p.getInputStream()) {
                return in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                return Math.max(0, p.getSize());
            }
        }
        return Math.max(0, p.getSize());
    }
}
