package org.outboxrelay.e2e;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.jms.Message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestSmtpServer.Stage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the relay does with each kind of SMTP failure: retry the transient, dead-letter the permanent. */
class SmtpFailuresTest {

    private static final String JOB = "{\"to\": [\"a@example.com\"], \"subject\": \"s\", \"text\": \"t\"}";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    private void startWith(TestSmtpServer server) throws Exception {
        smtp = server;
        relay = TestRelay.forServer(home, smtp).start();
    }

    @Test
    void closingWith421ThenSuccessIsRetried() throws Exception {
        startWith(TestSmtpServer.startPlain());
        smtp.dropNext(421, "4.3.2 Service not available, closing transmission channel");
        relay.sendJson(JOB, Map.of("jobId", "r421"));

        JsonNode deferred = relay.awaitEvent(TestRelay.status("r421", "deferred"));
        assertTrue(deferred.path("smtpReply").asText().startsWith("421"), deferred.toString());
        JsonNode sent = relay.awaitEvent(TestRelay.status("r421", "sent"));
        assertEquals(2, sent.path("attempt").asInt());
        assertEquals(1, smtp.messages().size());
        assertEquals(2, relay.record("r421").attempts());
    }

    @Test
    void transient451AtEachStageIsRetried() throws Exception {
        startWith(TestSmtpServer.startPlain());
        smtp.failNext(Stage.MAIL, 451, "4.7.1 Try again later", 1);
        smtp.failNext(Stage.RCPT, 451, "4.2.0 Mailbox busy", 1);
        smtp.failNext(Stage.DATA, 451, "4.3.0 Local error in processing", 1);
        relay.sendJson(JOB, Map.of("jobId", "r451"));

        JsonNode sent = relay.awaitEvent(TestRelay.status("r451", "sent"));
        assertEquals(4, sent.path("attempt").asInt());
        List<String> replies = relay.eventsFor("r451").stream()
                .filter(e -> "deferred".equals(e.path("status").asText()))
                .map(e -> e.path("smtpReply").asText()).toList();
        assertEquals(3, replies.size(), replies.toString());
        assertTrue(replies.get(0).startsWith("451 4.7.1"), replies.toString());
        assertTrue(replies.get(1).startsWith("451 4.2.0"), replies.toString());
        assertTrue(replies.get(2).startsWith("451 4.3.0"), replies.toString());
        assertEquals(1, smtp.messages().size());
    }

    @Test
    void permanent550AtMailRcptAndDataIsDeadLetteredAndNeverRetried() throws Exception {
        startWith(TestSmtpServer.startPlain());
        smtp.failNext(Stage.MAIL, 550, "5.7.1 Sender rejected", 1);
        smtp.failNext(Stage.RCPT, 550, "5.1.1 No such user", 1);
        smtp.failNext(Stage.DATA, 554, "5.6.0 Message content rejected", 1);
        relay.sendJson(JOB, Map.of("jobId", "p-mail"));
        JsonNode mail = relay.awaitEvent(TestRelay.status("p-mail", "failed"));
        relay.sendJson(JOB, Map.of("jobId", "p-rcpt"));
        JsonNode rcpt = relay.awaitEvent(TestRelay.status("p-rcpt", "failed"));
        relay.sendJson(JOB, Map.of("jobId", "p-data"));
        JsonNode data = relay.awaitEvent(TestRelay.status("p-data", "failed"));

        assertTrue(mail.path("smtpReply").asText().startsWith("550 5.7.1"), mail.toString());
        assertTrue(mail.path("reason").asText().contains("MAIL FROM"), mail.toString());
        assertTrue(rcpt.path("smtpReply").asText().startsWith("550 5.1.1"), rcpt.toString());
        assertEquals("a@example.com", rcpt.path("recipients").path("refused").get(0).path("address").asText(), rcpt.toString());
        assertTrue(rcpt.path("reason").asText().contains("<address>: 550 5.1.1"), rcpt.toString());
        assertTrue(data.path("smtpReply").asText().startsWith("554 5.6.0"), data.toString());

        assertEquals(3, smtp.transactionCount(), "each tried exactly once");
        assertEquals(0, smtp.messages().size());
        List<Message> dead = relay.deadLetters();
        assertEquals(List.of("p-mail", "p-rcpt", "p-data"), dead.stream().map(TestRelay::jobId).toList());
        assertTrue(dead.get(1).getStringProperty("smtpReply").startsWith("550 5.1.1"));
        assertEquals(JobStatus.FAILED, relay.record("p-data").status());
        assertEquals(0, relay.queueDepth("mail.jobs"));
        assertTrue(relay.eventsFor("p-mail").stream().noneMatch(e -> "deferred".equals(e.path("status").asText())));
    }

    @Test
    void outboxFileRefusedForGoodLandsInFailedWithItsReply() throws Exception {
        startWith(TestSmtpServer.startPlain());
        smtp.refuseRecipient("nobody@example.com", 550, "5.1.1 <nobody@example.com>: Recipient address rejected");
        relay.drop("order.json", "{\"to\": \"nobody@example.com\", \"subject\": \"s\", \"text\": \"t\"}");

        relay.awaitFile("failed", "order.json.error.json");
        JsonNode report = new ObjectMapper().readTree(relay.read("failed", "order.json.error.json"));
        assertEquals("order.json", report.path("file").asText());
        assertEquals(1, report.path("attempts").asInt());
        assertTrue(report.path("smtpReply").asText().startsWith("550 5.1.1"), report.toString());
        assertTrue(report.path("reason").asText().contains("nobody@example.com"), report.toString());
        assertTrue(report.has("submittedAt") && report.has("failedAt"));
        assertEquals(List.of("order.json", "order.json.error.json"), relay.filesIn("failed"));
        assertEquals(List.of(), relay.filesIn("sent"));
        // the file is archived from the outcome event, which can be seen just before mail.dead's commit
        await().until(() -> relay.deadLetters().size() == 1);
    }

    @Test
    void refusedRecipientsAreReportedWhileTheOthersGetTheMail() throws Exception {
        startWith(TestSmtpServer.startPlain());
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 User unknown");
        relay.sendJson("{\"to\": [\"a@example.com\", \"gone@example.com\"], \"cc\": \"b@example.com\","
                + " \"subject\": \"partial\", \"text\": \"t\"}", Map.of("jobId", "partial"));

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("a@example.com", "b@example.com"), m.recipients());
        JsonNode sent = relay.awaitEvent(TestRelay.status("partial", "sent"));
        assertEquals(2, sent.path("recipients").path("accepted").asInt());
        JsonNode refused = sent.path("recipients").path("refused");
        assertEquals(1, refused.size());
        assertEquals("gone@example.com", refused.get(0).path("address").asText());
        assertTrue(refused.get(0).path("reply").asText().startsWith("550 5.1.1"), refused.toString());
        assertEquals(JobStatus.SENT, relay.record("partial").status());
    }

    @Test
    void recipientsDeferredWith4xxAreRetriedAloneAfterTheOthersGotIt() throws Exception {
        startWith(TestSmtpServer.startPlain());
        smtp.refuseRecipient("busy@example.com", 452, "4.2.2 Mailbox full");
        relay.sendJson("{\"to\": [\"a@example.com\", \"busy@example.com\"], \"subject\": \"later\", \"text\": \"t\"}",
                Map.of("jobId", "later"));

        ReceivedMessage first = smtp.awaitMessage();
        assertEquals(List.of("a@example.com"), first.recipients());
        relay.awaitEvent(e -> "later".equals(e.path("jobId").asText())
                && e.path("recipients").path("refused").size() == 1);
        smtp.clearRefusals(); // the mailbox has room again

        List<ReceivedMessage> both = smtp.awaitMessages(2, Duration.ofSeconds(20));
        assertEquals(List.of("busy@example.com"), both.get(1).recipients());
        assertEquals(first.header("Message-ID"), both.get(1).header("Message-ID"), "the same message");
        await().until(() -> relay.record("later").status() == JobStatus.SENT);
    }

    @Test
    void refusedConnectionIsRetriedWithGrowingDelaysUntilTheServerIsBack() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        relay = TestRelay.in(home).smtp(port).with("relay.retry.initial-delay", "300ms")
                .with("relay.retry.multiplier", "2").start();
        relay.sendJson(JOB, Map.of("jobId", "refused"));

        await().atMost(Duration.ofSeconds(30)).until(() -> relay.eventsFor("refused").size() >= 3);
        List<JsonNode> deferred = relay.eventsFor("refused");
        long d1 = delay(deferred.get(0));
        long d2 = delay(deferred.get(1));
        long d3 = delay(deferred.get(2));
        assertTrue(d1 < d2 && d2 < d3, "delays grow: " + d1 + ", " + d2 + ", " + d3);
        assertTrue(deferred.get(0).path("reason").asText().contains("cannot connect"), deferred.get(0).toString());
        assertEquals(JobStatus.DEFERRED, relay.record("refused").status());

        smtp = TestSmtpServer.builder().port(port).start();
        assertEquals("s", smtp.awaitMessage().subject());
        relay.awaitEvent(TestRelay.status("refused", "sent"));
    }

    @Test
    void givesUpAfterTheConfiguredTimeWithTheLastReason() throws Exception {
        startWith(TestSmtpServer.startPlain());
        relay.stop();
        smtp.failNext(Stage.RCPT, 450, "4.2.1 Mailbox temporarily unavailable", 100);
        relay = TestRelay.forServer(home, smtp).with("relay.retry.give-up-after", "1s").start();
        relay.sendJson(JOB, Map.of("jobId", "expires"));

        JsonNode failed = relay.awaitEvent(TestRelay.status("expires", "failed"));
        assertTrue(failed.path("reason").asText().startsWith("gave up after"), failed.toString());
        assertTrue(failed.path("reason").asText().contains("4.2.1"), failed.toString());
        assertTrue(failed.path("smtpReply").asText().startsWith("450"), failed.toString());
        assertEquals(1, relay.deadLetters().size());
    }

    private static long delay(JsonNode deferred) {
        return Duration.between(Instant.parse(deferred.path("at").asText()),
                Instant.parse(deferred.path("nextAttemptAt").asText())).toMillis();
    }
}
