package org.outboxrelay.bounce;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimePartDataSource;

import org.eclipse.angus.mail.dsn.DeliveryStatus;
import org.eclipse.angus.mail.dsn.MultipartReport;
import org.eclipse.angus.mail.dsn.Report;
import org.jsoup.Jsoup;

/**
 * Reads a message of the account's mailbox as a report: RFC 3464 delivery status notifications with Angus Mail's
 * DSN support ({@link MultipartReport}, {@link DeliveryStatus}: the per-message and per-recipient fields), RFC 5965
 * feedback reports (their fields are header fields: {@link InternetHeaders}), Exchange Online and Outlook.com
 * non-delivery reports that have no machine-readable part (the X-MS-Exchange-Message-Is-Ndr header; status and
 * addresses from the text), and everything else as not a report - an out-of-office reply (RFC 3834
 * Auto-Submitted: auto-replied) is not a bounce.
 */
public class ReportParser {

    private static final Pattern ENHANCED = Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b");
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*"
            + "[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+");
    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s@]+@[^<>\\s@]+>");
    private static final Pattern QUOTED_MESSAGE_ID = Pattern.compile("(?im)^\\s*(?:Message-ID|X-Original-Message-ID)"
            + "\\s*:\\s*(<[^<>\\s@]+@[^<>\\s@]+>)");
    /** Subjects of bounces from servers that send no report (besides Exchange's header, which says it). */
    private static final Pattern NDR_SUBJECT = Pattern.compile("(?i)^(undeliverable|undelivered mail|mail delivery"
            + " failed|delivery status notification \\((failure|delay)\\)|returned mail|delivery failure|failure notice"
            + "|delivery has failed|non.?delivery)");
    private static final Pattern DAEMON = Pattern.compile("(?i)(mailer-daemon|postmaster|microsoftexchange)");

    private final Session session = Session.getInstance(new Properties());

    /** Parses raw message bytes. */
    public ParsedReport parse(byte[] raw) throws MessagingException, IOException {
        return parse(new MimeMessage(session, new ByteArrayInputStream(raw)), raw);
    }

    ParsedReport parse(MimeMessage m, byte[] raw) throws MessagingException, IOException {
        String reportId = reportId(m, raw);
        String subject = m.getSubject();
        ContentType type = new ContentType(m.getContentType());
        Set<String> ids = new LinkedHashSet<>();
        addIds(ids, m.getHeader("In-Reply-To", " "));
        addIds(ids, m.getHeader("References", " "));
        addIds(ids, m.getHeader("X-Original-Message-ID", " "));

        if (type.match("multipart/report")) {
            String reportType = String.valueOf(type.getParameter("report-type")).toLowerCase(Locale.ROOT);
            if (reportType.equals("delivery-status") || reportType.equals("global-delivery-status")) {
                return deliveryStatus(m, reportId, subject, ids);
            }
            if (reportType.equals("feedback-report")) {
                return feedback(m, reportId, subject, ids);
            }
            return ParsedReport.notAReport(reportId, subject, "a multipart/report of type " + reportType);
        }
        String autoSubmitted = m.getHeader("Auto-Submitted", null);
        if (m.getHeader("X-MS-Exchange-Message-Is-Ndr") != null || looksLikeBounce(m, subject)) {
            return textNdr(m, reportId, subject, ids);
        }
        if (autoSubmitted != null && autoSubmitted.toLowerCase(Locale.ROOT).startsWith("auto-replied")) {
            return ParsedReport.notAReport(reportId, subject, "an automatic reply (Auto-Submitted: " + autoSubmitted
                    + "), not a bounce");
        }
        return ParsedReport.notAReport(reportId, subject, "no delivery status, non-delivery or feedback report");
    }

    private static boolean looksLikeBounce(MimeMessage m, String subject) throws MessagingException {
        String from = m.getHeader("From", ",");
        return subject != null && NDR_SUBJECT.matcher(subject.strip()).find() && from != null
                && DAEMON.matcher(from).find();
    }

    private ParsedReport deliveryStatus(MimeMessage m, String reportId, String subject, Set<String> ids)
            throws MessagingException, IOException {
        MultipartReport report = new MultipartReport(new MimePartDataSource(m));
        if (report.getCount() < 2) {
            throw new MessagingException("a delivery status notification without its status part");
        }
        DeliveryStatus status = deliveryStatusOf(report);
        List<ParsedReport.RecipientStatus> recipients = new ArrayList<>();
        for (int i = 0; i < status.getRecipientDSNCount(); i++) {
            InternetHeaders r = status.getRecipientDSN(i);
            String address = address(r.getHeader("Original-Recipient", null));
            if (address == null) {
                address = address(r.getHeader("Final-Recipient", null));
            }
            if (address == null) {
                continue;
            }
            String statusField = r.getHeader("Status", null);
            Matcher code = ENHANCED.matcher(statusField == null ? "" : statusField);
            recipients.add(new ParsedReport.RecipientStatus(address,
                    lower(r.getHeader("Action", null)), code.find() ? code.group(1) : null,
                    withoutType(r.getHeader("Diagnostic-Code", null))));
        }
        if (report.getCount() > 2) {
            returnedIds(report.getBodyPart(2), ids);
        }
        return new ParsedReport(ParsedReport.Kind.DELIVERY_STATUS, reportId, subject, recipients, ids, List.of(), null,
                null, null);
    }

    /** The status part, through the DSN content handler when Jakarta Mail knows it, else read here. */
    private static DeliveryStatus deliveryStatusOf(MultipartReport report) throws MessagingException, IOException {
        try {
            Report r = report.getReport();
            if (r instanceof DeliveryStatus ds) {
                return ds;
            }
        } catch (MessagingException e) {
            // no content handler for the part (a message/global-delivery-status, say): read it directly
        }
        try (InputStream in = report.getBodyPart(1).getInputStream()) {
            return new DeliveryStatus(in);
        }
    }

    private ParsedReport feedback(MimeMessage m, String reportId, String subject, Set<String> ids)
            throws MessagingException, IOException {
        Multipart parts = (Multipart) new MultipartReport(new MimePartDataSource(m));
        InternetHeaders fields = null;
        String listUnsubscribe = null;
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < parts.getCount(); i++) {
            BodyPart part = parts.getBodyPart(i);
            if (part.isMimeType("message/feedback-report")) {
                try (InputStream in = part.getInputStream()) {
                    fields = new InternetHeaders(in);
                }
            } else if (part.isMimeType("message/rfc822") || part.isMimeType("text/rfc822-headers")) {
                InternetHeaders returned = returnedIds(part, ids);
                if (returned != null) {
                    listUnsubscribe = returned.getHeader("List-Unsubscribe", ",");
                    String to = returned.getHeader("To", ",");
                    if (to != null) {
                        Matcher a = ADDRESS.matcher(to);
                        while (a.find()) {
                            recipients.add(a.group());
                        }
                    }
                }
            }
        }
        if (fields == null) {
            throw new MessagingException("a feedback report without its message/feedback-report part");
        }
        // Original-Rcpt-To names the recipient that complained; Outlook.com redacts it, and the returned To
        String[] rcpt = fields.getHeader("Original-Rcpt-To");
        List<ParsedReport.RecipientStatus> complained = new ArrayList<>();
        if (rcpt != null) {
            for (String r : rcpt) {
                String a = address(r);
                if (a != null) {
                    complained.add(new ParsedReport.RecipientStatus(a, "complained", null, null));
                }
            }
        }
        addIds(ids, fields.getHeader("Original-Message-ID", " "));
        return new ParsedReport(ParsedReport.Kind.COMPLAINT, reportId, subject, complained, ids, recipients,
                lower(fields.getHeader("Feedback-Type", null)), listUnsubscribe, null);
    }

    private ParsedReport textNdr(MimeMessage m, String reportId, String subject, Set<String> ids)
            throws MessagingException, IOException {
        StringBuilder text = new StringBuilder();
        collectText(m, text, 0);
        String body = text.toString();
        Matcher quoted = QUOTED_MESSAGE_ID.matcher(body);
        while (quoted.find()) {
            ids.add(quoted.group(1));
        }
        Matcher code = ENHANCED.matcher(body);
        String status = null;
        String diagnostic = null;
        while (code.find()) {
            if (code.group(1).charAt(0) != '2') {
                status = code.group(1);
                int start = body.lastIndexOf('\n', code.start()) + 1;
                int end = body.indexOf('\n', code.end());
                diagnostic = body.substring(start, end < 0 ? body.length() : end).strip();
                break;
            }
        }
        List<String> addresses = new ArrayList<>();
        Matcher a = ADDRESS.matcher(body);
        while (a.find()) {
            if (!addresses.contains(a.group().toLowerCase(Locale.ROOT))) {
                addresses.add(a.group().toLowerCase(Locale.ROOT));
            }
        }
        List<ParsedReport.RecipientStatus> recipients = List.of(new ParsedReport.RecipientStatus(null,
                status != null && status.startsWith("4") ? "delayed" : "failed", status == null ? "5.0.0" : status,
                diagnostic));
        return new ParsedReport(ParsedReport.Kind.NDR_TEXT, reportId, subject, recipients, ids, addresses, null, null,
                null);
    }

    /** Text of the text/plain parts (or the HTML ones as text when there is no plain one), returned parts too. */
    private static void collectText(Part part, StringBuilder out, int depth) throws MessagingException, IOException {
        if (depth > 10) {
            return;
        }
        if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            boolean alternative = part.isMimeType("multipart/alternative");
            boolean tookPlain = false;
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart p = mp.getBodyPart(i);
                if (alternative && p.isMimeType("text/html") && tookPlain) {
                    continue;
                }
                tookPlain |= p.isMimeType("text/plain");
                collectText(p, out, depth + 1);
            }
        } else if (part.isMimeType("text/plain") || part.isMimeType("text/rfc822-headers")) {
            out.append(String.valueOf(part.getContent())).append('\n');
        } else if (part.isMimeType("text/html")) {
            out.append(Jsoup.parse(String.valueOf(part.getContent())).wholeText()).append('\n');
        } else if (part.isMimeType("message/rfc822")) {
            try (InputStream in = part.getInputStream()) {
                out.append(new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8)).append('\n');
            }
        }
    }

    /** The headers of the returned message or its headers part, their Message-ID added to the candidates. */
    private InternetHeaders returnedIds(BodyPart part, Set<String> ids) throws MessagingException, IOException {
        if (!part.isMimeType("message/rfc822") && !part.isMimeType("text/rfc822-headers")
                && !part.isMimeType("message/global") && !part.isMimeType("message/global-headers")) {
            return null;
        }
        InternetHeaders headers;
        try (InputStream in = part.getInputStream()) {
            headers = new InternetHeaders(in);
        }
        addIds(ids, headers.getHeader("Message-ID", " "));
        addIds(ids, headers.getHeader("X-Original-Message-ID", " "));
        return headers;
    }

    private static void addIds(Set<String> ids, String value) {
        if (value == null) {
            return;
        }
        Matcher m = MESSAGE_ID.matcher(value);
        while (m.find()) {
            ids.add(m.group());
        }
    }

    /** "rfc822; someone@example.org" -> someone@example.org. */
    static String address(String field) {
        if (field == null) {
            return null;
        }
        String v = withoutType(field);
        if (v.startsWith("<") && v.endsWith(">")) {
            v = v.substring(1, v.length() - 1);
        }
        return v.contains("@") ? v.strip() : null;
    }

    private static String withoutType(String field) {
        if (field == null) {
            return null;
        }
        String v = field.replaceAll("\\s+", " ").strip();
        int semicolon = v.indexOf(';');
        return semicolon >= 0 && semicolon < 20 ? v.substring(semicolon + 1).strip() : v;
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }

    /** The report's Message-ID; a hash of its bytes when it has none (each report must be known again). */
    static String reportId(MimeMessage m, byte[] raw) throws MessagingException {
        String id = m.getMessageID();
        if (id != null && !id.isBlank()) {
            return id.strip();
        }
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
