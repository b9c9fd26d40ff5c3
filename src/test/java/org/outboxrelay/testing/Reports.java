package org.outboxrelay.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reports of src/test/resources/reports/ (written from the RFCs and the providers' documented shapes), with
 * their placeholders filled in: CRLF line ends, as a mail server stores them.
 */
public final class Reports {

    private final Map<String, String> values = new LinkedHashMap<>();

    public static Reports about(String account, String recipient, String messageId, String subject) {
        Reports r = new Reports();
        r.values.put("ACCOUNT", account);
        r.values.put("RECIPIENT", recipient);
        r.values.put("MESSAGE_ID", messageId);
        r.values.put("SUBJECT", subject);
        r.values.put("LIST_UNSUBSCRIBE", "<https://mail.example.com/u/none>");
        return r;
    }

    public Reports with(String placeholder, String value) {
        values.put(placeholder, value);
        return this;
    }

    /** The report, its own Message-ID {@code reportId@reports.test}. */
    public byte[] bytes(String name, String reportId) {
        try (InputStream in = Reports.class.getResourceAsStream("/reports/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no report " + name);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> v : values.entrySet()) {
                text = text.replace("{{" + v.getKey() + "}}", v.getValue());
            }
            text = text.replace("{{REPORT_ID}}", reportId + "@reports.test");
            return text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
