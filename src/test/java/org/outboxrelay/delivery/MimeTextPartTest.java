package org.outboxrelay.delivery;

import java.io.ByteArrayOutputStream;
import java.util.Date;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The builder's text parts are encoded once, and the message is byte for byte what Jakarta Mail's own
 * {@code setText(text, "UTF-8", subtype)} makes: same headers, same transfer encoding, same body.
 */
class MimeTextPartTest {

    private static final Session SESSION = Session.getInstance(new Properties());
    private static final List<String> TEXTS = List.of("", "Hello", "Hello\nworld\n", "Grüße aus Köln\n",
            "日本語のテキスト", "a".repeat(1200) + "\nlong line", "line\r\nwith CRLF\rand CR", "tab\tand trailing space \n",
            "=3D looks encoded =\n.\n..dots", "€".repeat(400), "<p>HTML &amp; <b>bold</b></p>\n");

    @Test
    void singlePartMessagesAreTheSame() throws Exception {
        for (String subtype : List.of("plain", "html")) {
            for (String text : TEXTS) {
                MimeMessage jakarta = message();
                jakarta.setText(text, "UTF-8", subtype);
                MimeMessage built = message();
                MimeMessageBuilder.setText(built, text, subtype);
                assertEquals(bytes(jakarta), bytes(built), subtype + ": " + text);
            }
        }
    }

    @Test
    void alternativePartsAreTheSame() throws Exception {
        for (String text : TEXTS) {
            MimeMessage jakarta = message();
            MimeMultipart a = new MimeMultipart("alternative");
            MimeBodyPart t = new MimeBodyPart();
            t.setText(text, "UTF-8", "plain");
            a.addBodyPart(t);
            MimeBodyPart h = new MimeBodyPart();
            h.setText("<p>" + text + "</p>", "UTF-8", "html");
            a.addBodyPart(h);
            jakarta.setContent(a);

            MimeMessage built = message();
            MimeMultipart b = new MimeMultipart("alternative");
            MimeBodyPart bt = new MimeBodyPart();
            MimeMessageBuilder.setText(bt, text, "plain");
            b.addBodyPart(bt);
            MimeBodyPart bh = new MimeBodyPart();
            MimeMessageBuilder.setText(bh, "<p>" + text + "</p>", "html");
            b.addBodyPart(bh);
            built.setContent(b);

            String expected = bytes(jakarta);
            String boundary = ((MimeMultipart) jakarta.getContent()).getContentType().replaceAll("(?s).*boundary=\"?([^\";]+).*", "$1");
            String actualBoundary = ((MimeMultipart) built.getContent()).getContentType().replaceAll("(?s).*boundary=\"?([^\";]+).*", "$1");
            assertEquals(expected, bytes(built).replace(actualBoundary, boundary), text);
        }
    }

    private static MimeMessage message() {
        return new MimeMessage(SESSION) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<fixed@example.com>");
            }
        };
    }

    private static String bytes(MimeMessage m) throws Exception {
        m.setSentDate(new Date(0));
        m.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
