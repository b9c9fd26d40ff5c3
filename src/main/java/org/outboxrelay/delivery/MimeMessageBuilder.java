package org.outboxrelay.delivery;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Part;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentDisposition;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParameterList;
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
 * <p>
 * International addresses: domains are sent in ASCII (IDNA); a message with a non-ASCII local part is built
 * with UTF-8 headers (RFC 6532) and marked, so that {@link SmtpUtf8Transport} sends it with SMTPUTF8 - or
 * refuses it when the server does not offer that.
 */
public class MimeMessageBuilder {

    private final Session session;
    private final Session utf8Session;
    private final InternetAddress account;
    private final AttachmentFiles attachmentFiles;

    public MimeMessageBuilder(Session session, InternetAddress account, AttachmentFiles attachmentFiles) {
        this.session = withUtf8Headers(session, false);
        this.utf8Session = withUtf8Headers(session, true);
        this.account = account;
        this.attachmentFiles = attachmentFiles;
    }

    /** MimeMessage writes address headers in UTF-8 (RFC 6532) only when its session allows it. */
    private static Session withUtf8Headers(Session session, boolean allow) {
        Properties p = new Properties();
        p.putAll(session.getProperties());
        p.put("mail.mime.allowutf8", String.valueOf(allow));
        return Session.getInstance(p);
    }

    public OutgoingMessage build(@ExchangeProperty("job") QueuedJob job) throws Exception {
        OutgoingMessage message = job.isRaw() ? fromRaw(job) : fromJson(job);
        job.setMessageId(message.fixedMessageId());
        return message;
    }

    private OutgoingMessage fromRaw(QueuedJob job) throws MessagingException {
        RawMessage raw = job.getRawMessage();
        String messageId = raw.messageId() != null ? raw.messageId()
                : MessageIds.forJob(job.getId(), job.getAdmittedAt(), Addresses.domainOf(raw.from()));
        OutgoingMessage m = new OutgoingMessage(session, new ByteArrayInputStream(job.getPayload()), messageId);
        m.removeHeader("Bcc");
        if (m.getHeader("Message-ID") == null) {
            m.setHeader("Message-ID", messageId);
        }
        if (m.getHeader("Date") == null) {
            m.setSentDate(new Date());
        }
        m.setEnvelopeFrom(Addresses.withAsciiDomain(raw.from()).getAddress());
        m.setEnvelopeRecipients(encoded(raw.recipients()));
        return m;
    }

    private OutgoingMessage fromJson(QueuedJob job) throws Exception {
        MailJob j = job.getMailJob();
        InternetAddress from = encoded(j.from() == null ? account : Addresses.parseOne(j.from()));
        List<InternetAddress> replyTo = j.replyTo() == null ? List.of() : encoded(Addresses.parseList(j.replyTo()));
        List<InternetAddress> to = parse(j.to());
        List<InternetAddress> cc = parse(j.cc());
        List<InternetAddress> bcc = parse(j.bcc());
        List<InternetAddress> addresses = new ArrayList<>(List.of(from));
        addresses.addAll(replyTo);
        addresses.addAll(to);
        addresses.addAll(cc);
        addresses.addAll(bcc);
        String international = addresses.stream().filter(Addresses::needsSmtpUtf8).map(InternetAddress::getAddress)
                .findFirst().orElse(null);
        OutgoingMessage m = new OutgoingMessage(international == null ? session : utf8Session,
                MessageIds.forJob(job.getId(), job.getAdmittedAt(), Addresses.domainOf(from)));
        m.setSmtpUtf8Address(international);
        m.setFrom(from);
        if (!replyTo.isEmpty()) {
            m.setReplyTo(replyTo.toArray(new InternetAddress[0]));
        }
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
            setText(text, j.text(), "plain");
            alternative.addBodyPart(text);
            MimeBodyPart html = new MimeBodyPart();
            fillHtml(html, j.html(), inline);
            alternative.addBodyPart(html);
            target.setContent(alternative);
        } else if (j.html() != null) {
            fillHtml(target, j.html(), inline);
        } else {
            setText(target, j.text() == null ? "" : j.text(), "plain");
        }
    }

    /** HTML alone, or multipart/related with the inline parts its cid: references point to. */
    private static void fillHtml(MimePart target, String html, List<MimeBodyPart> inline) throws MessagingException {
        if (inline.isEmpty()) {
            setText(target, html, "html");
            return;
        }
        MimeMultipart related = new MimeMultipart("related");
        MimeBodyPart htmlPart = new MimeBodyPart();
        setText(htmlPart, html, "html");
        related.addBodyPart(htmlPart);
        for (MimeBodyPart p : inline) {
            related.addBodyPart(p);
        }
        target.setContent(related);
    }

    /**
     * What {@code part.setText(text, "UTF-8", subtype)} does, with the text encoded once: setText keeps the text
     * as a String, and Jakarta Mail then encodes it twice over (once to choose the transfer encoding, once to
     * write it), each time looking up a content handler. Here the UTF-8 bytes are the part's content and the
     * transfer encoding is chosen from them by the same rule (7bit, or quoted-printable when not all ASCII or
     * lines are too long), so the message on the wire is the same.
     */
    static void setText(MimePart part, String text, String subtype) throws MessagingException {
        String type = "text/" + subtype + "; charset=UTF-8";
        ByteArrayDataSource content = new ByteArrayDataSource(text.getBytes(StandardCharsets.UTF_8), type);
        part.setDataHandler(new DataHandler(content));
        part.setHeader("Content-Type", type);
        part.setHeader("Content-Transfer-Encoding", MimeUtility.getEncoding(content));
    }

    private MimeBodyPart attachmentPart(int index, Attachment a) throws Exception {
        String field = "attachments[" + index + "]";
        byte[] bytes = a.contentBase64() != null
                ? Base64.getMimeDecoder().decode(a.contentBase64())
                : attachmentFiles.read(field + ".path", a.path());
        String type = a.contentType() != null ? a.contentType() : guessType(a.filename());
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(bytes, type)));
        // the file name in UTF-8 (RFC 2231), whatever the JVM's default charset: in Content-Disposition, and
        // as "name" in Content-Type for older mail programs
        ContentType contentType = new ContentType(type);
        contentType.setParameterList(withFileName(contentType.getParameterList(), "name", a.filename()));
        part.setHeader("Content-Type", contentType.toString());
        // base64 keeps the bytes exactly (quoted-printable would turn a text file's LF into CRLF)
        part.setHeader("Content-Transfer-Encoding", "base64");
        ContentDisposition disposition = new ContentDisposition(a.inline() ? Part.INLINE : Part.ATTACHMENT);
        disposition.setParameterList(withFileName(null, "filename", a.filename()));
        part.setHeader("Content-Disposition", disposition.toString());
        if (a.inline()) {
            part.setContentID("<" + a.contentId() + ">");
        }
        return part;
    }

    private static ParameterList withFileName(ParameterList list, String parameter, String filename) {
        ParameterList out = list == null ? new ParameterList() : list;
        out.set(parameter, filename, "UTF-8");
        return out;
    }

    private static String guessType(String filename) {
        String guess = java.net.URLConnection.guessContentTypeFromName(filename);
        return guess != null ? guess : "application/octet-stream";
    }

    private static List<InternetAddress> parse(List<String> values) throws AddressException {
        List<InternetAddress> out = new ArrayList<>();
        for (String v : values) {
            out.addAll(encoded(Addresses.parseList(v)));
        }
        return out;
    }

    /**
     * Re-creates addresses so that non-ASCII display names are RFC 2047 encoded in UTF-8 and international
     * domains are in ASCII.
     */
    private static List<InternetAddress> encoded(List<InternetAddress> list) throws AddressException {
        List<InternetAddress> out = new ArrayList<>();
        for (InternetAddress a : list) {
            out.add(encoded(a));
        }
        return out;
    }

    private static InternetAddress encoded(InternetAddress a) throws AddressException {
        return Addresses.withAsciiDomain(a);
    }

}
