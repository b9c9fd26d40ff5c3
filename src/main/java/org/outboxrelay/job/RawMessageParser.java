package org.outboxrelay.job;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Checks that bytes are a complete RFC 5322 message the relay can send: a header section that starts at the
 * first byte, a valid From, at least one recipient in To, Cc or Bcc, and no binary data in the headers.
 */
public class RawMessageParser {

    /** Headers in UTF-8 (RFC 6532) are read as such, so that international addresses come out right. */
    private static final Session SESSION = Session.getInstance(utf8());

    private static Properties utf8() {
        Properties p = new Properties();
        p.put("mail.mime.allowutf8", "true");
        return p;
    }

    /** Originator fields besides From (RFC 5322 3.6.2 and 3.6.6); Reply-To only says where answers go. */
    private static final String[] ORIGINATORS = {"Sender", "Resent-From", "Resent-Sender"};

    /** RFC 5322 2.1.1: a line is at most 998 characters (without CRLF) - the limit JSON subjects and headers have. */
    public static final int MAX_LINE = 998;

    public RawMessage parse(byte[] bytes) throws InvalidJobException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidJobException("(message)", "is empty");
        }
        int headerEnd = headerSectionEnd(bytes);
        for (int i = 0; i < headerEnd; i++) {
            if (bytes[i] == 0) {
                throw new InvalidJobException("(message)", "contains binary data (NUL byte at offset " + i
                        + "): not an RFC 5322 message");
            }
        }
        if (!startsWithHeaderField(bytes)) {
            throw new InvalidJobException("(message)",
                    "does not start with a header field such as \"From: ...\": not an RFC 5322 message");
        }
        checkLineLengths(bytes, headerEnd);
        try {
            MimeMessage m = new MimeMessage(SESSION, new ByteArrayInputStream(bytes));
            List<FieldError> errors = new ArrayList<>();
            InternetAddress from = single(m, "From", errors);
            List<RawMessage.Originator> originators = new ArrayList<>();
            if (from != null) {
                originators.add(new RawMessage.Originator("From", from));
            }
            // who else the message says it is from: each must be an address the account may send as
            for (String header : ORIGINATORS) {
                for (InternetAddress a : list(m, header, errors)) {
                    originators.add(new RawMessage.Originator(header, a));
                }
            }
            List<InternetAddress> recipients = new ArrayList<>();
            for (String header : new String[] {"To", "Cc", "Bcc"}) {
                recipients.addAll(list(m, header, errors));
            }
            if (recipients.isEmpty() && errors.isEmpty()) {
                errors.add(new FieldError("To", "no recipient: the message has no To, Cc or Bcc address"));
            }
            if (!errors.isEmpty()) {
                throw new InvalidJobException(errors);
            }
            return new RawMessage(from, recipients, m.getMessageID(), m.getSubject(), originators);
        } catch (MessagingException e) {
            throw new InvalidJobException("(message)", "cannot be parsed: " + e.getMessage());
        }
    }

    private static InternetAddress single(MimeMessage m, String header, List<FieldError> errors)
            throws MessagingException {
        String value = m.getHeader(header, ",");
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(header, "is missing"));
            return null;
        }
        try {
            return Addresses.parseOne(value);
        } catch (AddressException e) {
            errors.add(new FieldError(header, "\"" + value + "\" is not a valid address"));
            return null;
        }
    }

    private static List<InternetAddress> list(MimeMessage m, String header, List<FieldError> errors)
            throws MessagingException {
        String value = m.getHeader(header, ",");
        if (value == null || value.isBlank()) {
            return List.of();
        }
        try {
            return Addresses.parseList(value);
        } catch (AddressException e) {
            errors.add(new FieldError(header, "\"" + value + "\" is not a valid address list"));
            return List.of();
        }
    }

    /** Each line of the header section (up to {@code end}) must be at most {@link #MAX_LINE} bytes long. */
    private static void checkLineLengths(byte[] b, int end) throws InvalidJobException {
        int line = 1;
        int start = 0;
        String field = "(message)";
        for (int i = 0; i <= end && i <= b.length; i++) {
            if (i == end || i == b.length || b[i] == '\n') {
                int length = i - start - (i > start && b[i - 1] == '\r' ? 1 : 0);
                if (start < b.length && b[start] != ' ' && b[start] != '\t') {
                    field = fieldName(b, start, i);
                }
                if (length > MAX_LINE) {
                    throw new InvalidJobException(field, "line " + line + " of the header is " + length
                            + " bytes long; RFC 5322 allows at most " + MAX_LINE);
                }
                line++;
                start = i + 1;
                if (i == end) {
                    break;
                }
            }
        }
    }

    private static String fieldName(byte[] b, int from, int to) {
        for (int i = from; i < to && i - from < 100; i++) {
            if (b[i] == ':') {
                return new String(b, from, i - from, java.nio.charset.StandardCharsets.US_ASCII).strip();
            }
        }
        return "(message)";
    }

    /** Index of the blank line that ends the header section, or the length if there is none. */
    static int headerSectionEnd(byte[] b) {
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == '\n' && (b[i + 1] == '\n' || (b[i + 1] == '\r' && i + 2 < b.length && b[i + 2] == '\n'))) {
                return i;
            }
        }
        return b.length;
    }

    /** RFC 5322 field name: printable US-ASCII except colon, then a colon. */
    private static boolean startsWithHeaderField(byte[] b) {
        int i = 0;
        while (i < b.length && i < 1000) {
            int c = b[i] & 0xff;
            if (c == ':') {
                return i > 0;
            }
            if (c < 33 || c > 126) {
                return false;
            }
            i++;
        }
        return false;
    }
}
