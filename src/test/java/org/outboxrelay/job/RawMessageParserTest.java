package org.outboxrelay.job;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.mail.internet.InternetAddress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawMessageParserTest {

    private final RawMessageParser parser = new RawMessageParser();

    @Test
    void recipientsComeFromToCcAndBcc() throws Exception {
        RawMessage m = parser.parse(("From: A <a@example.com>\r\nTo: b@example.com, \"C, D\" <c@example.com>\r\n"
                + "Cc: d@example.com\r\nBcc: e@example.com\r\nSubject: s\r\nMessage-ID: <m@x>\r\n\r\nbody")
                .getBytes(StandardCharsets.US_ASCII));
        assertEquals("a@example.com", m.from().getAddress());
        assertEquals(List.of("b@example.com", "c@example.com", "d@example.com", "e@example.com"),
                m.recipients().stream().map(InternetAddress::getAddress).toList());
        assertEquals("<m@x>", m.messageId());
    }

    @Test
    void refusesWhatIsNotAMessage() {
        assertEquals("(message): is empty", message(""));
        assertTrue(message("hello world\r\n").contains("not an RFC 5322 message"));
        assertTrue(message("From: a@example.com\r\nSubject: x\r\n\r\n").contains("no recipient"));
        assertTrue(message("To: b@example.com\r\n\r\nbody").contains("From: is missing"));
        assertTrue(message("From: not an address\r\nTo: b@example.com\r\n\r\n").contains("From: \"not an address\""));
        assertTrue(message("From: a@example.com\u0000\r\nTo: b@example.com\r\n\r\n").contains("binary data"));
    }

    @Test
    void aHeaderLineOfMoreThan998CharactersIsRefusedLikeAJsonSubject() throws Exception {
        String ok = "From: a@example.com\r\nTo: b@example.com\r\nSubject: " + "x".repeat(998 - 9) + "\r\n\r\nbody";
        parser.parse(ok.getBytes(StandardCharsets.US_ASCII));
        // folded: each line counts on its own
        parser.parse(("From: a@example.com\r\nTo: b@example.com\r\nSubject: " + "x".repeat(900) + "\r\n "
                + "y".repeat(900) + "\r\n\r\nbody").getBytes(StandardCharsets.US_ASCII));
        String reason = message("From: a@example.com\r\nTo: b@example.com\r\nSubject: " + "x".repeat(998 - 8)
                + "\r\n\r\nbody");
        assertEquals("Subject: line 3 of the header is 999 bytes long; RFC 5322 allows at most 998", reason);
        assertTrue(message("From: a@example.com\r\nTo: b@example.com\r\nX-Long: " + "x".repeat(1_000_000)
                + "\r\n\r\nbody").startsWith("X-Long: line 3 of the header is 1000008 bytes long"));
        // a bare LF ends a line too, and so does the end of a message that has no body
        assertTrue(message("From: a@example.com\nTo: b@example.com\nX-Long: " + "x".repeat(2000))
                .startsWith("X-Long: line 3 of the header is 2008 bytes long"));
        // the body is not a header
        parser.parse(("From: a@example.com\r\nTo: b@example.com\r\n\r\n" + "x".repeat(5000))
                .getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void everyOriginatorHeaderIsReadForTheFromCheck() throws Exception {
        RawMessage m = parser.parse(("From: a@example.com\r\nSender: s@example.com\r\n"
                + "Resent-From: r1@example.com, R2 <r2@example.com>\r\nResent-Sender: rs@example.com\r\n"
                + "Reply-To: anyone@elsewhere.example\r\nTo: b@example.com\r\n\r\nbody")
                .getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("From: a@example.com", "Sender: s@example.com", "Resent-From: r1@example.com",
                "Resent-From: r2@example.com", "Resent-Sender: rs@example.com"),
                m.originators().stream().map(o -> o.header() + ": " + o.address().getAddress()).toList());
        assertTrue(message("From: a@example.com\r\nSender: not an address\r\nTo: b@example.com\r\n\r\n")
                .contains("Sender: \"not an address\" is not a valid address"));
        assertTrue(message("From: a@example.com\r\nResent-From: @@\r\nTo: b@example.com\r\n\r\n")
                .contains("Resent-From: \"@@\" is not a valid address list"));
    }

    private String message(String raw) {
        return assertThrows(InvalidJobException.class,
                () -> parser.parse(raw.getBytes(StandardCharsets.ISO_8859_1))).getMessage();
    }
}
