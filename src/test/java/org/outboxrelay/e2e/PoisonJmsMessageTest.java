package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.jms.Connection;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.StreamMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages on mail.jobs that can never be a job - the wrong kind of JMS message, the relay's own bookkeeping
 * properties set by a client with the wrong type or a dangerous value, a jobId the store cannot hold - end on
 * mail.dead with their reason at the first attempt: no broker redelivery rounds, no stack traces, and the job
 * sent between them goes out once.
 */
class PoisonJmsMessageTest {

    private static final String JOB = "{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    LogCapture log;

    @BeforeEach
    void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).start();
        log = LogCapture.start();
    }

    @AfterEach
    void stop() throws Exception {
        log.close();
        relay.close();
        smtp.close();
    }

    @Test
    void everyPoisonMessageIsDeadLetteredWithItsReasonAtTheFirstAttempt() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        try (Connection c = relay.connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            var producer = s.createProducer(s.createQueue("mail.jobs"));
            List<Message> poison = new ArrayList<>();

            Message object = s.createObjectMessage(new ArrayList<>(List.of("to", "a@example.com")));
            poison.add(named(object, "object", expected, "(job): is a JMS ObjectMessage"));
            MapMessage map = s.createMapMessage();
            map.setString("to", "a@example.com");
            map.setString("subject", "s");
            poison.add(named(map, "map", expected, "(job): is a JMS MapMessage"));
            StreamMessage stream = s.createStreamMessage();
            stream.writeString(JOB);
            poison.add(named(stream, "stream", expected, "(job): is a JMS StreamMessage"));
            poison.add(named(s.createMessage(), "plain", expected, "(job): is a JMS Message without a body"));

            Message attempts = named(s.createTextMessage(JOB), "attempts-abc", expected,
                    "relayAttempts: \"abc\" is not a number of attempts");
            attempts.setStringProperty("relayAttempts", "abc");
            poison.add(attempts);
            Message negative = named(s.createTextMessage(JOB), "attempts-negative", expected,
                    "relayAttempts: \"-1\" is not a number of attempts");
            negative.setIntProperty("relayAttempts", -1);
            poison.add(negative);
            Message submitted = named(s.createTextMessage(JOB), "submitted-abc", expected,
                    "relaySubmittedAt: \"abc\" is not a time");
            submitted.setStringProperty("relaySubmittedAt", "abc");
            poison.add(submitted);
            Message future = named(s.createTextMessage(JOB), "submitted-future", expected,
                    "relaySubmittedAt: \"" + Long.MAX_VALUE + "\" is not a time");
            future.setLongProperty("relaySubmittedAt", Long.MAX_VALUE);
            poison.add(future);
            Message traversal = named(s.createTextMessage(JOB), "outbox-traversal", expected,
                    "outboxFile: \"../../config/evil.json\" is not the name of a file in the outbox folder");
            traversal.setStringProperty("channel", "outbox");
            traversal.setStringProperty("outboxFile", "../../config/evil.json");
            poison.add(traversal);
            Message path = named(s.createTextMessage(JOB), "outbox-path", expected,
                    "outboxFile: \"/etc/cron.d/evil.json\" is not the name of a file in the outbox folder");
            path.setStringProperty("channel", "outbox");
            path.setStringProperty("outboxFile", "/etc/cron.d/evil.json");
            poison.add(path);
            Message notOutbox = named(s.createTextMessage(JOB), "outbox-file-on-jms", expected,
                    "outboxFile: is set by the relay for jobs of the outbox folder only");
            notOutbox.setStringProperty("outboxFile", "innocent.json");
            poison.add(notOutbox);
            Message channel = named(s.createTextMessage(JOB), "channel-unknown", expected,
                    "channel: \"unknown\" is not one of outbox, jms, http");
            channel.setStringProperty("channel", "unknown");
            poison.add(channel);
            Message admission = named(s.createTextMessage(JOB), "admission-bad", expected,
                    "relayAdmission: is not an admission token of the relay");
            admission.setStringProperty("relayAdmission", "x".repeat(300));
            poison.add(admission);
            Message contentType = named(s.createTextMessage(JOB), "content-type-number", expected,
                    "contentType: must be a string");
            contentType.setIntProperty("contentType", 822);
            poison.add(contentType);

            for (Message m : poison) {
                producer.send(m);
            }
            Message longId = s.createTextMessage(JOB);
            longId.setStringProperty("jobId", "L".repeat(200));
            producer.send(longId);
            Message spaceId = s.createTextMessage(JOB);
            spaceId.setStringProperty("jobId", "has space");
            producer.send(spaceId);
            Message longIdField = s.createTextMessage("{\"id\": \"" + "F".repeat(129) + "\", \"to\": \"a@example.com\","
                    + " \"subject\": \"s\", \"text\": \"t\"}");
            producer.send(longIdField);
            producer.send(named(s.createTextMessage(JOB), "good", new LinkedHashMap<>(), null));
        }

        relay.awaitEvent(TestRelay.status("good", "sent"));
        // decided at once: no redelivery round of the broker (its first one waits 5 s, and ten take minutes)
        List<Message> dead = await().atMost(Duration.ofSeconds(20)).until(relay::deadLetters,
                d -> d.size() == expected.size() + 3);
        Map<String, String> reasons = new LinkedHashMap<>();
        for (Message m : dead) {
            reasons.put(TestRelay.jobId(m), m.getStringProperty("failureReason"));
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String reason = reasons.get(e.getKey());
            assertTrue(reason != null && reason.startsWith("invalid job: " + e.getValue()), e.getKey() + ": " + reason
                    + " (all: " + reasons + ")");
            assertEquals(JobStatus.FAILED, relay.record(e.getKey()).status(), e.getKey());
        }
        List<String> byId = reasons.entrySet().stream().filter(e -> e.getKey().startsWith("jms-"))
                .map(Map.Entry::getValue).sorted().toList();
        assertEquals(3, byId.size(), reasons.toString());
        assertTrue(byId.contains("invalid job: jobId: is longer than 128 characters"), byId.toString());
        assertTrue(byId.contains("invalid job: jobId: may only contain printable ASCII characters without spaces"),
                byId.toString());
        assertTrue(byId.contains("invalid job: id: is longer than 128 characters"), byId.toString());

        // nothing written outside the relay's folders, nothing but the good job sent, nothing left on mail.jobs
        assertFalse(Files.exists(relay.outbox().resolve("../../config/evil.json").normalize()));
        assertEquals(List.of(), relay.filesIn("failed"));
        assertEquals(1, smtp.messages().size());
        await().until(() -> relay.queueDepth("mail.jobs") == 0);
        // one line per failed job, no stack trace
        assertTrue(log.lines().stream().noneMatch(l -> l.contains("\n\tat ")), log.all());
    }

    private static Message named(Message m, String id, Map<String, String> expected, String reason) throws Exception {
        m.setStringProperty("jobId", id);
        if (reason != null) {
            expected.put(id, reason);
        }
        return m;
    }
}
