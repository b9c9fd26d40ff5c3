package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.jms.Message;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jobs posted to the mail.jobs queue: JSON text messages and raw MIME. */
class JmsQueueTest {

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;

    @BeforeEach
    void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).start();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    @Test
    void jsonTextMessageIsDeliveredAndNoJmsHeaderLeaksIntoTheMail() throws Exception {
        relay.sendJson("{\"to\": [\"a@example.com\", \"b@example.com\"], \"subject\": \"From JMS\", \"text\": \"Hello\"}",
                Map.of("jobId", "jms-job-1", "Foo", "bar", "CamelFileName", "x.txt", "mail_DOT_smtp_DOT_host", "evil.example"));

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("a@example.com", "b@example.com"), m.recipients());
        assertEquals("From JMS", m.subject());
        assertEquals("Hello", m.part("text/plain").strip());
        assertNull(m.header("Foo"));
        assertNull(m.header("jobId"));
        var names = new java.util.ArrayList<String>();
        m.mime().getAllHeaders().asIterator().forEachRemaining(h -> names.add(h.getName()));
        assertEquals(List.of("Received", "Date", "From", "To", "Message-ID", "Subject", "MIME-Version",
                "Content-Type", "Content-Transfer-Encoding"), names);
        JsonNode sent = relay.awaitEvent(TestRelay.status("jms-job-1", "sent"));
        assertEquals("jms", sent.path("channel").asText());
        assertEquals(1, sent.path("attempt").asInt());
        assertEquals(JobStatus.SENT, relay.record("jms-job-1").status());
    }

    @Test
    void rawMimeAsBytesMessageIsDeliveredWithoutBcc() throws Exception {
        String mime = "From: relay@example.com\r\nTo: a@example.com\r\nBcc: hidden@example.com\r\n"
                + "Subject: MIME via JMS\r\n\r\nraw body\r\n";
        relay.sendMime(mime.getBytes(StandardCharsets.US_ASCII), Map.of("jobId", "mime-1"));

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("a@example.com", "hidden@example.com"), m.recipients());
        assertNull(m.header("Bcc"));
        assertEquals("MIME via JMS", m.subject());
        relay.awaitEvent(TestRelay.status("mime-1", "sent"));
    }

    @Test
    void textMessageMarkedAsRfc822IsRawMime() throws Exception {
        String mime = "From: relay@example.com\r\nTo: a@example.com\r\nSubject: text rfc822\r\n\r\nbody\r\n";
        relay.sendJson(mime, Map.of("contentType", "message/rfc822", "jobId", "mime-2"));
        assertEquals("text rfc822", smtp.awaitMessage().subject());
        relay.awaitEvent(TestRelay.status("mime-2", "sent"));
    }

    @Test
    void jobWithoutAnyIdGetsOneAndTheIdFieldIsUsedWhenGiven() throws Exception {
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"no id\", \"text\": \"t\"}");
        JsonNode e = relay.awaitEvent(ev -> "sent".equals(ev.path("status").asText()));
        assertTrue(e.path("jobId").asText().startsWith("jms-"), e.toString());

        relay.sendJson("{\"id\": \"from-field\", \"to\": \"a@example.com\", \"subject\": \"id field\", \"text\": \"t\"}");
        relay.awaitEvent(TestRelay.status("from-field", "sent"));
    }

    @Test
    void invalidJobGoesToMailDeadWithItsReasonAndTheRelayGoesOn() throws Exception {
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"bad\", \"text\": \"t\", \"colour\": \"red\"}",
                Map.of("jobId", "bad-1"));
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"good\", \"text\": \"t\"}", Map.of("jobId", "good-1"));

        JsonNode failed = relay.awaitEvent(TestRelay.status("bad-1", "failed"));
        assertTrue(failed.path("reason").asText().contains("colour: is not a known field"), failed.toString());
        relay.awaitEvent(TestRelay.status("good-1", "sent"));
        List<Message> dead = relay.deadLetters();
        assertEquals(1, dead.size());
        assertEquals("bad-1", dead.get(0).getStringProperty("jobId"));
        assertTrue(dead.get(0).getStringProperty("failureReason").contains("colour"));
        assertEquals(1, smtp.messages().size());
        assertEquals(JobStatus.FAILED, relay.record("bad-1").status());
        await().until(() -> relay.queueDepth("mail.jobs") == 0);
    }

    @Test
    void sameJobIdTwiceIsSentOnce() throws Exception {
        String job = "{\"id\": \"once\", \"to\": \"a@example.com\", \"subject\": \"once\", \"text\": \"t\"}";
        relay.sendJson(job);
        relay.awaitEvent(TestRelay.status("once", "sent"));
        relay.sendJson(job);
        JsonNode dup = relay.awaitEvent(TestRelay.status("once", "duplicate"));
        assertTrue(dup.path("reason").asText().contains("sent"), dup.toString());
        assertEquals(1, smtp.messages().size());
    }
}
