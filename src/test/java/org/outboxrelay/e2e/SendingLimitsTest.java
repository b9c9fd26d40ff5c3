package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.testing.FaultSmtpServer;
import org.outboxrelay.testing.MutableClock;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The account's limits, as EIPs of the delivery route: throttle, recipient split, daily budget, connections. */
class SendingLimitsTest {

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;

    @BeforeEach
    void start() {
        smtp = TestSmtpServer.startPlain();
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        smtp.close();
    }

    private static String job(int recipients, String subject) {
        String to = IntStream.rangeClosed(1, recipients).mapToObj(i -> "\"r" + i + "@example.com\"")
                .collect(Collectors.joining(", "));
        return "{\"to\": [" + to + "], \"subject\": \"" + subject + "\", \"text\": \"t\"}";
    }

    @Test
    void moreRecipientsThanAllowedBecomeSeveralMessages() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.limits.recipients-per-message", "100").start();
        relay.sendJson(job(150, "many"), Map.of("jobId", "many"));

        List<ReceivedMessage> got = smtp.awaitMessages(2, Duration.ofSeconds(20));
        assertEquals(100, got.get(0).recipients().size());
        assertEquals(50, got.get(1).recipients().size());
        assertEquals(got.get(0).header("Message-ID"), got.get(1).header("Message-ID"), "one message, two envelopes");
        JsonNode sent = relay.awaitEvent(TestRelay.status("many", "sent"));
        assertEquals(150, sent.path("recipients").path("accepted").asInt());
        assertEquals(150, relay.record("many").sentRecipients().size());
    }

    @Test
    void orTheJobIsRefusedWhenSoConfigured() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.limits.recipients-per-message", "100")
                .with("relay.limits.over-recipient-limit", "refuse").start();
        relay.sendJson(job(150, "refused"), Map.of("jobId", "refused"));
        JsonNode failed = relay.awaitEvent(TestRelay.status("refused", "failed"));
        assertTrue(failed.path("reason").asText().contains("150 recipients, more than relay.limits.recipients-per-message (100)"),
                failed.toString());
        assertEquals(0, smtp.connectionCount());
    }

    @Test
    void aFromThatIsNotTheAccountIsRefusedBeforeConnecting() throws Exception {
        relay = TestRelay.forServer(home, smtp).start();
        relay.sendJson("{\"from\": \"ceo@example.com\", \"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}",
                Map.of("jobId", "spoof"));
        JsonNode failed = relay.awaitEvent(TestRelay.status("spoof", "failed"));
        assertTrue(failed.path("reason").asText().contains("is not allowed"), failed.toString());
        assertTrue(relay.deadLetters().get(0).getStringProperty("failureReason")
                .startsWith("From ceo@example.com is not allowed: the account sends as relay@example.com"));
        assertEquals(0, smtp.connectionCount());
    }

    @Test
    void theThrottleNeverLetsMoreThanNThroughInAnyWindow() throws Exception {
        int n = 4;
        // one connection, opened by a first message, so that the time from the throttle to the server is the
        // same for every message measured
        relay = TestRelay.forServer(home, smtp).with("relay.limits.messages-per-minute", String.valueOf(n))
                .with("relay.limits.throttle-period", "1s").with("relay.smtp.max-connections", "1").start();
        relay.sendJson(job(1, "warm-up"), Map.of("jobId", "throttle-warm-up"));
        smtp.awaitMessage();
        int jobs = 16;
        for (int i = 0; i < jobs; i++) {
            relay.sendJson(job(1, "t" + i), Map.of("jobId", "throttle-" + i));
        }
        List<Instant> at = smtp.awaitMessages(jobs + 1, Duration.ofSeconds(30)).stream()
                .map(ReceivedMessage::receivedAt).sorted().toList().subList(1, jobs + 1);
        // a rolling window: message i+n arrives about a period after message i. The throttle takes its permits
        // exactly; what the server sees adds a few ms of scheduling noise on a busy machine, hence 900 ms.
        // Without the throttle these gaps are a few milliseconds.
        for (int i = 0; i + n < at.size(); i++) {
            long gap = Duration.between(at.get(i), at.get(i + n)).toMillis();
            assertTrue(gap >= 900, "messages " + i + " and " + (i + n) + " only " + gap + " ms apart");
        }
        assertTrue(Duration.between(at.get(0), at.get(jobs - 1)).toMillis() >= 2700, "16 messages span 3 windows");
    }

    @Test
    void aConnectionHoldsItsPlaceInTheCapUntilTheServerAnsweredQuit() throws Exception {
        // a server slow to answer QUIT still counts that connection: with max-connections 1 the next one opens
        // only after the 221, never beside it (the cap is what a server with a limit of its own sees)
        try (FaultSmtpServer slowQuit = FaultSmtpServer.startPlain()) {
            slowQuit.always(FaultSmtpServer.Stage.QUIT, FaultSmtpServer.Fault.slow(Duration.ofMillis(300)));
            relay = TestRelay.in(home).smtp(slowQuit.port()).with("relay.smtp.max-connections", "1")
                    .with("relay.smtp.messages-per-connection", "1").with("relay.delivery.consumers", "4").start();
            for (int i = 0; i < 4; i++) {
                relay.sendJson(job(1, "q" + i), Map.of("jobId", "quit-" + i));
            }
            assertEquals(4, slowQuit.awaitAcknowledged(4, Duration.ofSeconds(30)).size());
            assertEquals(1, slowQuit.maxConcurrentConnections(), "one connection at a time, as the server saw them");
        }
    }

    @Test
    void connectionsAreReusedAndCapped() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.smtp.max-connections", "2")
                .with("relay.smtp.messages-per-connection", "10").with("relay.delivery.consumers", "4").start();
        for (int i = 0; i < 40; i++) {
            relay.sendJson(job(1, "c" + i), Map.of("jobId", "conn-" + i));
        }
        List<ReceivedMessage> got = smtp.awaitMessages(40, Duration.ofSeconds(30));
        assertTrue(smtp.maxConcurrentConnections() <= 2, "at most 2 at once: " + smtp.maxConcurrentConnections());
        Map<String, Long> perConnection = got.stream()
                .collect(Collectors.groupingBy(ReceivedMessage::session, Collectors.counting()));
        assertTrue(perConnection.values().stream().allMatch(c -> c <= 10), perConnection.toString());
        assertTrue(smtp.connectionCount() <= 8, "reused, not one per message: " + smtp.connectionCount());
    }

    @Test
    void theDailyBudgetHoldsAcrossARestartAndResetsAtMidnightUtc() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T22:00:00Z"));
        relay = TestRelay.forServer(home, smtp).clock(clock).with("relay.limits.recipients-per-day", "3").start();
        relay.sendJson(job(2, "first"), Map.of("jobId", "day-1"));
        relay.awaitEvent(TestRelay.status("day-1", "sent"));
        relay.sendJson(job(2, "second"), Map.of("jobId", "day-2"));
        JsonNode waiting = relay.awaitEvent(TestRelay.status("day-2", "deferred"));
        assertTrue(waiting.path("reason").asText().contains("daily budget of 3 recipients"), waiting.toString());
        assertEquals("2026-03-02T00:00:00Z", waiting.path("nextAttemptAt").asText());

        relay.restart();
        // after the restart the budget is still used up: the account's pause until midnight is kept in the job
        // store, so day-2 waits on the queue untouched
        AccountPause pause = relay.context().getRegistry().lookupByNameAndType("accountPause", AccountPause.class);
        await().until(() -> pause.status().paused());
        assertEquals(Instant.parse("2026-03-02T00:00:00Z"), pause.status().until());
        assertEquals(1, smtp.messages().size());
        assertEquals(0, relay.deadLetters().size());

        clock.set(Instant.parse("2026-03-02T00:00:01Z")); // a new day
        ReceivedMessage second = smtp.awaitMessages(2, Duration.ofSeconds(20)).get(1);
        assertEquals("second", second.subject());
        JsonNode sent = relay.awaitEvent(TestRelay.status("day-2", "sent"));
        assertEquals(1, sent.path("attempt").asInt(), "waiting for the budget is not an attempt");
    }

    static List<Integer> gaps(List<Instant> at) {
        List<Integer> gaps = new ArrayList<>();
        for (int i = 1; i < at.size(); i++) {
            gaps.add((int) Duration.between(at.get(i - 1), at.get(i)).toMillis());
        }
        return gaps;
    }
}
