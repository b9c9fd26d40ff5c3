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

    private String message(String raw) {
        return assertThrows(InvalidJobException.class,
                () -> parser.parse(raw.getBytes(StandardCharsets.ISO_8859_1))).getMessage();
    }
}
