package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JMS job larger than relay.limits.max-message-bytes is refused like a file or an HTTP request of that size:
 * at once, permanently, with its reason on mail.dead - and without the relay reading it into memory (the
 * surefire JVM has a 1 GB heap, as the relay's own default).
 */
class OversizedJmsMessageTest {

    private static final String JOB = "{\"to\": \"a@example.com\", \"subject\": \"%s\", \"text\": \"t\"}";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    LogCapture log;

    @BeforeEach
    void start() {
        smtp = TestSmtpServer.startPlain();
        log = LogCapture.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        log.close();
        smtp.close();
    }

    @Test
    void jobsLargerThanTheLimitGoToMailDeadWithTheirReason() throws Exception {
        int max = 256 * 1024;
        relay = TestRelay.forServer(home, smtp).with("relay.limits.max-message-bytes", String.valueOf(max)).start();
        Map<String, String> expected = new LinkedHashMap<>();
        try (Connection c = relay.connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = s.createProducer(s.createQueue("mail.jobs"));
            // three times the limit, as text and as bytes
            producer.send(named(s.createTextMessage(padded(3 * max)), "text-3x", expected,
                    "is a text of about " + (3 * max + 2) + " characters"));
            producer.send(named(bytes(s, 3 * max), "bytes-3x", expected, "is " + (3 * max) + " bytes"));
            // a little over the limit
            producer.send(named(bytes(s, max + max / 2), "bytes-1.5x", expected, "is " + (max + max / 2) + " bytes"));
            producer.send(named(s.createTextMessage(padded(max + 1000)), "text-1x", expected,
                    "is a text of about " + (max + 1000 + 2) + " characters"));
            producer.send(named(s.createTextMessage(padded(max + 1)), "text-just-over", expected,
                    "is a text of " + (max + 1 + 2) + " characters"));
            // fewer characters than the limit, but more bytes in UTF-8
            producer.send(named(s.createTextMessage("\"" + "€".repeat(max / 2) + "\""), "euros", expected,
                    "is " + (3 * (max / 2) + 2) + " bytes"));
            producer.send(named(s.createTextMessage(JOB.formatted("good")), "good", new LinkedHashMap<>(), null));
        }

        relay.awaitEvent(TestRelay.status("good", "sent"));
        List<Message> dead = await().atMost(Duration.ofSeconds(20)).until(relay::deadLetters,
                d -> d.size() == expected.size());
        for (Message m : dead) {
            String id = TestRelay.jobId(m);
            String reason = m.getStringProperty("failureReason");
            assertTrue(reason.startsWith("invalid job: (job): " + expected.get(id)) && reason.contains(
                    "more than relay.limits.max-message-bytes (" + max + ")"), id + ": " + reason);
        }
        assertEquals(1, smtp.messages().size());
        await().until(() -> relay.queueDepth("mail.jobs") == 0);
        assertTrue(log.lines().stream().noneMatch(l -> l.contains("\n\tat ")), log.all());
    }

    @Test
    void fiftyMegabyteTextMessagesDoNotExhaustTheHeap() throws Exception {
        relay = TestRelay.forServer(home, smtp).start(); // the default limit: 25 MB
        String fifty = padded(50 * 1024 * 1024);
        try (Connection c = relay.connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = s.createProducer(s.createQueue("mail.jobs"));
            for (int i = 1; i <= 3; i++) {
                Message m = s.createTextMessage(fifty);
                m.setStringProperty("jobId", "fifty-" + i);
                producer.send(m);
            }
            Message good = s.createTextMessage(JOB.formatted("after"));
            good.setStringProperty("jobId", "after");
            producer.send(good);
        }
        fifty = null;

        relay.awaitEvent(TestRelay.status("after", "sent"));
        // listed without their bodies (a test that browsed them would read 300 MB itself)
        JsonNode dead = await().atMost(Duration.ofSeconds(60)).until(
                () -> relay.api().get("/api/v1/admin/dead").json(), d -> d.size() == 3);
        for (JsonNode d : dead) {
            assertTrue(d.path("id").asText().startsWith("fifty-"), d.toString());
            assertTrue(d.path("reason").asText().contains("more than relay.limits.max-message-bytes"), d.toString());
        }
        assertEquals(1, smtp.messages().size());
        // before, Spring's listener container logged "Cause: Java heap space" (an OutOfMemoryError) here
        assertFalse(log.all().contains("OutOfMemoryError") || log.all().contains("Java heap space"),
                "the relay ran out of memory");
    }

    /** A JSON string of n characters: the JSON text is n + 2 characters (and as many bytes). */
    private static String padded(int n) {
        return "\"" + "x".repeat(n) + "\"";
    }

    private static BytesMessage bytes(Session s, int n) throws Exception {
        BytesMessage m = s.createBytesMessage();
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'x');
        m.writeBytes(b);
        return m;
    }

    private static Message named(Message m, String id, Map<String, String> expected, String reason) throws Exception {
        m.setStringProperty("jobId", id);
        if (reason != null) {
            expected.put(id, reason);
        }
        return m;
    }
}
