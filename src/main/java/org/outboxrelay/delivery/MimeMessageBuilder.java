package org.outboxrelay.delivery;

import java.io.ByteArrayInputStream;
import java.io.UnsupportedEncodingException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.util.ByteArrayDataSource;

import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.Addresses;
import org.outboxrelay.job.Attachment;
import org.outboxrelay.job.InvalidJobException;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.RawMessage;

/**
 * Builds the MIME message of a job: text, HTML or both (multipart/alternative), inline images
 * (multipart/related, referenced as {@code cid:}) and attachments (multipart/mixed), UTF-8 throughout with
 * RFC 2047/2231 encoding where headers need it. A raw message is sent as it is, minus its Bcc header.
 * The envelope is kept apart from the headers, so Bcc recipients never show.
 */
public class MimeMessageBuilder {

    private final Session session;
    private final InternetAddress account;
    private final AttachmentFiles attachmentFiles;

    public MimeMessageBuilder(Session session, InternetAddress account, AttachmentFiles attachmentFiles) {
        this.session = session;
        this.account = account;
        this.attachmentFiles = attachmentFiles;
    }

    public OutgoingMessage build(@ExchangeProperty("job") QueuedJob job) throws Exception {
        OutgoingMessage message = job.isRaw() ? fromRaw(job) : fromJson(job);
        job.setMessageId(message.fixedMessageId());
        return message;
    }

    private OutgoingMessage fromRaw(QueuedJob job) throws MessagingException {
        RawMessage raw = job.getRawMessage();
        String messageId = raw.messageId() != null ? raw.messageId()
                : MessageIds.forJob(job.getId(), Addresses.domainOf(raw.from()));
        OutgoingMessage m = new OutgoingMessage(session, new ByteArrayInputStream(job.getPayload()), messageId);
        m.removeHeader("Bcc");
        if (m.getHeader("Message-ID") == null) {
            m.setHeader("Message-ID", messageId);
        }
        if (m.getHeader("Date") == null) {
            m.setSentDate(new Date());
        }
        m.setEnvelopeFrom(raw.from().getAddress());
        m.setEnvelopeRecipients(raw.recipients());
        return m;
    }

    private OutgoingMessage fromJson(QueuedJob job) throws Exception {
        MailJob j = job.getMailJob();
        InternetAddress from = j.from() == null ? account : encoded(Addresses.parseOne(j.from()));
        OutgoingMessage m = new OutgoingMessage(session, MessageIds.forJob(job.getId(), Addresses.domainOf(from)));
        m.setFrom(from);
        if (j.replyTo() != null) {
            m.setReplyTo(encoded(Addresses.parseList(j.replyTo())).toArray(new InternetAddress[0]));
        }
        List<InternetAddress> to = parse(j.to());
        List<InternetAddress> cc = parse(j.cc());
        List<InternetAddress> bcc = parse(j.bcc());
        if (!to.isEmpty()) {
            m.setRecipients(jakarta.mail.Message.RecipientType.TO, to.toArray(new InternetAddress[0]));
        }
        if (!cc.isEmpty()) {
            m.setRecipients(jakarta.mail.Message.RecipientType.CC, cc.toArray(new InternetAddress[0]));
        }
        m.setSubject(j.subject() == null ? "" : j.subject(), "UTF-8");
        for (Map.Entry<String, String> h : j.headers().entrySet()) {
            m.addHeader(h.getKey(), MimeUtility.fold(h.getKey().length() + 2,
                    MimeUtility.encodeText(h.getValue(), "UTF-8", null)));
        }
        setContent(m, j);
        m.setSentDate(new Date());
        m.setEnvelopeFrom(from.getAddress());
        List<InternetAddress> all = new ArrayList<>(to);
        all.addAll(cc);
        all.addAll(bcc);
        m.setEnvelopeRecipients(all);
        m.saveChanges();
        return m;
    }

    private void setContent(OutgoingMessage m, MailJob j) throws Exception {
        List<MimeBodyPart> inline = new ArrayList<>();
        List<MimeBodyPart> attached = new ArrayList<>();
        for (int i = 0; i < j.attachments().size(); i++) {
            Attachment a = j.attachments().get(i);
            (a.inline() ? inline : attached).add(attachmentPart(i, a));
        }
        if (attached.isEmpty()) {
            fillBody(m, j, inline);
            return;
        }
        MimeMultipart mixed = new MimeMultipart("mixed");
        MimeBodyPart body = new MimeBodyPart();
        fillBody(body, j, inline);
        mixed.addBodyPart(body);
        for (MimeBodyPart p : attached) {
            mixed.addBodyPart(p);
        }
        m.setContent(mixed);
    }

    /** Text, HTML, or both as multipart/alternative (the richer part last, as RFC 2046 asks). */
    private static void fillBody(MimePart target, MailJob j, List<MimeBodyPart> inline) throws MessagingException {
        if (j.html() != null && j.text() != null) {
            MimeMultipart alternative = new MimeMultipart("alternative");
            MimeBodyPart text = new MimeBodyPart();
            text.setText(j.text(), "UTF-8", "plain");
            alternative.addBodyPart(text);
            MimeBodyPart html = new MimeBodyPart();
            fillHtml(html, j.html(), inline);
            alternative.addBodyPart(html);
            target.setContent(alternative);
        } else if (j.html() != null) {
            fillHtml(target, j.html(), inline);
        } else {
            target.setText(j.text() == null ? "" : j.text(), "UTF-8", "plain");
        }
    }

    /** HTML alone, or multipart/related with the inline parts its cid: references point to. */
    private static void fillHtml(MimePart target, String html, List<MimeBodyPart> inline) throws MessagingException {
        if (inline.isEmpty()) {
            target.setText(html, "UTF-8", "html");
            return;
        }
        MimeMultipart related = new MimeMultipart("related");
        MimeBodyPart htmlPart = new MimeBodyPart();
        htmlPart.setText(html, "UTF-8", "html");
        related.addBodyPart(htmlPart);
        for (MimeBodyPart p : inline) {
            related.addBodyPart(p);
        }
        target.setContent(related);
    }

    private MimeBodyPart attachmentPart(int index, Attachment a) throws Exception {
        String field = "attachments[" + index + "]";
        byte[] bytes = a.contentBase64() != null
                ? Base64.getMimeDecoder().decode(a.contentBase64())
                : attachmentFiles.read(field + ".path", a.path());
        String type = a.contentType() != null ? a.contentType() : guessType(a.filename());
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(bytes, type)));
        part.setFileName(a.filename());
        if (a.inline()) {
            part.setDisposition(MimeBodyPart.INLINE);
            part.setContentID("<" + a.contentId() + ">");
        } else {
            part.setDisposition(MimeBodyPart.ATTACHMENT);
        }
        return part;
    }

    private static String guessType(String filename) {
        String guess = java.net.URLConnection.guessContentTypeFromName(filename);
        return guess != null ? guess : "application/octet-stream";
    }

    private static List<InternetAddress> parse(List<String> values) throws AddressException,
            UnsupportedEncodingException {
        List<InternetAddress> out = new ArrayList<>();
        for (String v : values) {
            out.addAll(encoded(Addresses.parseList(v)));
        }
        return out;
    }

    /** Re-creates addresses so that non-ASCII display names are RFC 2047 encoded in UTF-8. */
    private static List<InternetAddress> encoded(List<InternetAddress> list) throws UnsupportedEncodingException {
        List<InternetAddress> out = new ArrayList<>();
        for (InternetAddress a : list) {
            out.add(encoded(a));
        }
        return out;
    }

    private static InternetAddress encoded(InternetAddress a) throws UnsupportedEncodingException {
        return a.getPersonal() == null ? a : new InternetAddress(a.getAddress(), a.getPersonal(), "UTF-8");
    }

}
