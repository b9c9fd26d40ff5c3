package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.jms.Message;
import jakarta.mail.internet.MimeMessage;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * International addresses through the real routes: IDN domains go out in ASCII everywhere; a non-ASCII local
 * part only to a server that offers SMTPUTF8 (SubEthaSMTP does, GreenMail does not), else a permanent failure.
 */
class InternationalAddressTest {

    static final String INTERNATIONAL = """
            {"to": "Jörg Müller <jörg@example.com>", "cc": "anna@bücher.example",
             "subject": "Grüße", "text": "Hallo Jörg"}""";
    static final String IDN_ONLY = """
            {"to": "Anna <anna@bücher.example>", "subject": "Grüße", "text": "Hallo Anna"}""";

    @TempDir
    Path home;
    TestRelay relay;
    TestSmtpServer smtp;
    GreenMail greenMail;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (smtp != null) {
            smtp.close();
        }
        if (greenMail != null) {
            greenMail.stop();
        }
    }

    @Test
    void aServerThatOffersSmtpUtf8GetsTheAddressesAsWritten() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).start();
        relay.sendJson(INTERNATIONAL, Map.of("jobId", "intl-1"));

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("jörg@example.com", "anna@xn--bcher-kva.example"), m.recipients());
        assertTrue(m.text().contains("\r\nTo: \"Jörg Müller\" <jörg@example.com>\r\n"), "UTF-8 header: " + m.text());
        assertTrue(m.text().contains("\r\nCc: anna@xn--bcher-kva.example\r\n"), m.text());
        assertEquals("Grüße", m.subject());
        relay.awaitEvent(TestRelay.status("intl-1", "sent"));
    }

    @Test
    void aServerWithoutSmtpUtf8GetsIdnMailButNotANonAsciiLocalPart() throws Exception {
        greenMail = new GreenMail(ServerSetup.SMTP.dynamicPort());
        greenMail.start();
        relay = TestRelay.in(home).smtp(greenMail.getSmtp().getPort()).start();
        relay.sendJson(INTERNATIONAL, Map.of("jobId", "intl-2"));
        relay.sendJson(IDN_ONLY, Map.of("jobId", "idn-1"));

        String reason = relay.awaitEvent(TestRelay.status("intl-2", "failed")).path("reason").asText();
        assertEquals("the SMTP server does not offer SMTPUTF8, which the address <address> needs (its local"
                + " part is not ASCII): not sent", reason, "events carry no addresses in their reason");
        assertEquals("the SMTP server does not offer SMTPUTF8, which the address jörg@example.com needs (its local"
                + " part is not ASCII): not sent", relay.deadLetters().get(0).getStringProperty("failureReason"));
        relay.awaitEvent(TestRelay.status("idn-1", "sent"));
        assertTrue(greenMail.waitForIncomingEmail(20_000, 1));
        MimeMessage received = greenMail.getReceivedMessages()[0];
        assertEquals("Grüße", received.getSubject());
        assertEquals("anna@xn--bcher-kva.example", received.getAllRecipients()[0].toString().replaceAll(".*<|>", ""));
        List<Message> dead = relay.deadLetters();
        assertEquals(1, dead.size());
        assertEquals(1, relay.record("intl-2").attempts(), "permanent: not retried");
        assertEquals(1, greenMail.getReceivedMessages().length);
    }
}
