package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.testing.FaultSmtpServer;
import org.outboxrelay.testing.FaultSmtpServer.Fault;
import org.outboxrelay.testing.FaultSmtpServer.Stage;
import org.outboxrelay.testing.TestRelay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's real routes against an SMTP server that misbehaves at each stage of the dialogue
 * ({@link FaultSmtpServer}): every fault ends as the reply tables say - sent after a retry, the account paused,
 * or dead with its reason - and the server counts the copies it received of each Message-ID. Most tests share one
 * relay that signs in over STARTTLS and opens a new connection for every message, so that every stage is reached
 * by every job; they run one after the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmtpFaultsTest {

    static final String TRUST = Path.of("src/test/resources/tls/server.pem").toAbsolutePath().toString();

    @TempDir
    static Path tmp;
    FaultSmtpServer server;
    TestRelay relay;
    /** The same over plain SMTP without sign-in, where Jakarta Mail sees a dropped connection as a "reply" [EOF]. */
    FaultSmtpServer plainServer;
    TestRelay plainRelay;
    /** Servers and relays of single tests. */
    final List<AutoCloseable> extra = new ArrayList<>();

    @BeforeAll
    void startTheSharedRelay() throws Exception {
        server = FaultSmtpServer.builder().starttls().requireTls().login("relay", "pw").start();
        relay = signingInRelay(tmp.resolve("shared"), server.port())
                .with("relay.smtp.read-timeout", "1s")
                .start();
        plainServer = FaultSmtpServer.startPlain();
        Files.createDirectories(tmp.resolve("plain"));
        plainRelay = TestRelay.in(tmp.resolve("plain")).smtp(plainServer.port())
                .with("relay.smtp.messages-per-connection", "1").start();
    }

    @AfterEach
    void clear() throws Exception {
        server.clearFaults();
        server.releaseStalls();
        plainServer.clearFaults();
        for (AutoCloseable c : extra) {
            c.close();
        }
        extra.clear();
    }

    @AfterAll
    void stop() throws Exception {
        relay.close();
        server.close();
        plainRelay.close();
        plainServer.close();
    }

    private static TestRelay signingInRelay(Path home, int port) throws Exception {
        Files.createDirectories(home);
        return TestRelay.in(home).smtp(port)
                .with("relay.smtp.host", "localhost")
                .with("relay.smtp.security", "starttls")
                .with("relay.smtp.auth", "password")
                .with("relay.smtp.username", "relay")
                .with("relay.smtp.password", "pw")
                .with("relay.smtp.trust-file", TRUST)
                // a new connection for every message: every job meets the greeting, EHLO, STARTTLS and AUTH
                .with("relay.smtp.messages-per-connection", "1");
    }

    private static String job(String subject) {
        return "{\"to\": [\"a@example.com\"], \"subject\": \"" + subject + "\", \"text\": \"t\"}";
    }

    private JsonNode sendAndAwait(String id, String status) throws Exception {
        return sendAndAwait(relay, id, status);
    }

    private static JsonNode sendAndAwait(TestRelay to, String id, String status) throws Exception {
        to.sendJson(job(id), Map.of("jobId", id));
        return to.awaitEvent(TestRelay.status(id, status));
    }

    private List<JsonNode> events(String id, String status) {
        return events(relay, id, status);
    }

    private static List<JsonNode> events(TestRelay of, String id, String status) {
        return of.eventsFor(id).stream().filter(e -> status.equals(e.path("status").asText())).toList();
    }

    private long copies(JsonNode sent) {
        return copies(server, sent);
    }

    private static long copies(FaultSmtpServer on, JsonNode sent) {
        return on.copiesByMessageId().getOrDefault(sent.path("messageId").asText(), 0L);
    }

    // --- item 1 of issue 12: a dropped connection is never permanent -------------------------------------------

    @Test
    void aConnectionDroppedAtAnyStageIsRetriedAndSent() throws Exception {
        // QUIT comes after the message is sent, when a connection closes: not a stage of a message's delivery
        List<Stage> delivery = Arrays.stream(Stage.values()).filter(s -> s != Stage.QUIT).toList();
        for (Stage stage : delivery) {
            droppedAt(stage, server, relay, "tls-drop-");
        }
        for (Stage stage : delivery) {
            if (stage != Stage.STARTTLS && stage != Stage.AUTH) { // not in a plain dialogue without sign-in
                droppedAt(stage, plainServer, plainRelay, "plain-drop-");
            }
        }
        assertTrue(relay.deadLetters().stream().noneMatch(m -> TestRelay.jobId(m).startsWith("tls-drop-")));
        assertTrue(plainRelay.deadLetters().stream().noneMatch(m -> TestRelay.jobId(m).startsWith("plain-drop-")));
    }

    private static void droppedAt(Stage stage, FaultSmtpServer on, TestRelay through, String prefix) throws Exception {
        String id = prefix + stage;
        on.next(stage, Fault.drop());
        JsonNode sent = sendAndAwait(through, id, "sent");

        List<JsonNode> deferred = events(through, id, "deferred");
        assertEquals(1, deferred.size(), id + ": " + through.eventsFor(id));
        assertEquals(2, sent.path("attempt").asInt(), id + ": one attempt failed, the next one went out");
        assertTrue(deferred.get(0).path("reason").asText().contains("connection"), deferred.get(0).toString());
        assertTrue(deferred.get(0).path("fix").asText().contains("tried again"), deferred.get(0).toString());
        assertEquals(JobStatus.SENT, through.record(id).status());
        // after the final dot the server had the whole message: a second copy is SMTP's own window (RFC 1047)
        assertEquals(stage == Stage.END_OF_DATA ? 2 : 1, copies(on, sent), id + ": copies on the server");
    }

    @Test
    void droppedInTheMiddleOfTheMessageDataIsTransientWithAClearReason() throws Exception {
        // before issue 12: failed for good as "message (DATA) refused by the SMTP server: [EOF]"
        plainServer.next(Stage.DATA, Fault.drop());
        JsonNode sent = sendAndAwait(plainRelay, "drop-data", "sent");
        JsonNode deferred = events(plainRelay, "drop-data", "deferred").get(0);
        assertEquals("the SMTP connection was lost at message (DATA): the server closed it without an answer",
                deferred.path("reason").asText(), deferred.toString());
        assertTrue(deferred.path("smtpReply").isNull(), "no reply: " + deferred);
        assertEquals(1, copies(plainServer, sent));

        plainServer.next(Stage.END_OF_DATA, Fault.drop());
        JsonNode again = sendAndAwait(plainRelay, "drop-after-dot", "sent");
        assertEquals("the SMTP connection was lost at message (end of data): the server closed it without an answer",
                events(plainRelay, "drop-after-dot", "deferred").get(0).path("reason").asText());
        assertEquals(2, copies(plainServer, again), "the server may have delivered the first copy: SMTP cannot know");
    }

    // --- stalls and slow answers -------------------------------------------------------------------------------

    @Test
    void aStallAtAnyStageTimesOutAndIsRetried() throws Exception {
        for (Stage stage : List.of(Stage.GREETING, Stage.AUTH, Stage.MAIL, Stage.END_OF_DATA)) {
            String id = "stall-" + stage;
            server.next(stage, Fault.stall());
            JsonNode sent = sendAndAwait(id, "sent");
            JsonNode deferred = events(id, "deferred").get(0);
            // Jakarta Mail reports a stalled AUTH as a sign-in without an answer
            assertTrue(deferred.path("reason").asText().contains(stage == Stage.AUTH ? "without an answer"
                    : "did not answer in time"), deferred.toString());
            assertEquals(2, sent.path("attempt").asInt(), stage.toString());
            assertEquals(stage == Stage.END_OF_DATA ? 2 : 1, copies(sent), stage + ": copies on the server");
        }
    }

    @Test
    void slowAnswersWithinTheReadTimeoutAreFine() throws Exception {
        for (Stage stage : List.of(Stage.GREETING, Stage.EHLO, Stage.STARTTLS, Stage.AUTH, Stage.MAIL, Stage.RCPT,
                Stage.DATA, Stage.END_OF_DATA)) {
            server.next(stage, Fault.slow(Duration.ofMillis(150)));
        }
        JsonNode sent = sendAndAwait("slow", "sent");
        assertEquals(1, sent.path("attempt").asInt());
        assertEquals(1, copies(sent));
    }

    // --- any code at any stage ---------------------------------------------------------------------------------

    @Test
    void transientRepliesAtEachStageAreRetried() throws Exception {
        Map<Stage, Fault> faults = Map.of(
                Stage.GREETING, Fault.replyAndClose(421, "4.3.2 Service not available"),
                Stage.EHLO, Fault.replyAndClose(421, "4.7.0 Too many connections"),
                Stage.STARTTLS, Fault.reply(454, "4.7.0 TLS not available due to temporary reason"),
                Stage.AUTH, Fault.reply(454, "4.7.0 Temporary authentication failure"),
                Stage.MAIL, Fault.reply(451, "4.3.0 Try again later"),
                Stage.RCPT, Fault.reply(450, "4.2.1 Mailbox busy"),
                Stage.DATA, Fault.reply(451, "4.3.0 Local error"),
                Stage.END_OF_DATA, Fault.reply(451, "4.4.1 Queue full"));
        for (Map.Entry<Stage, Fault> f : faults.entrySet()) {
            deferredAndRetried(f.getKey(), f.getValue(), server, relay, "4xx-");
        }
    }

    /** The transient reply {@code fault} at {@code stage} defers the job with that reply; the retry sends it once. */
    private static void deferredAndRetried(Stage stage, Fault fault, FaultSmtpServer on, TestRelay through,
            String prefix) throws Exception {
        String id = prefix + stage;
        on.next(stage, fault);
        JsonNode sent = sendAndAwait(through, id, "sent");
        JsonNode deferred = events(through, id, "deferred").get(0);
        assertTrue(deferred.path("smtpReply").asText().startsWith(String.valueOf(fault.code())),
                stage + ": " + deferred);
        assertEquals(2, sent.path("attempt").asInt(), stage.toString());
        assertEquals(1, copies(on, sent), stage.toString());
    }

    @Test
    void withPipeliningEveryFaultEndsAsWithoutItAndTheConnectionStaysInStep() throws Exception {
        // MAIL, RCPT and DATA go out together (RFC 2920); this server answers them only after DATA, so nothing gets
        // through unpipelined. Every fault must end as the reply tables say for the reply the server gave (that the
        // replies stay in step on a connection that goes on is PipeliningSmtpTransportTest's)
        FaultSmtpServer pipelining = FaultSmtpServer.builder().pipelining().start();
        extra.add(pipelining);
        Files.createDirectories(tmp.resolve("pipelining"));
        TestRelay through = TestRelay.in(tmp.resolve("pipelining")).smtp(pipelining.port())
                .with("relay.smtp.read-timeout", "2s").start();
        extra.add(0, through);
        for (Stage stage : List.of(Stage.MAIL, Stage.RCPT, Stage.DATA, Stage.CONTENT, Stage.END_OF_DATA)) {
            droppedAt(stage, pipelining, through, "pipelined-drop-");
        }
        Map<Stage, Fault> transientReplies = Map.of(
                Stage.MAIL, Fault.replyAndClose(421, "4.3.2 Service shutting down"),
                Stage.RCPT, Fault.reply(450, "4.2.1 Mailbox busy"),
                Stage.DATA, Fault.reply(451, "4.3.0 Local error"),
                Stage.END_OF_DATA, Fault.reply(451, "4.4.1 Queue full"));
        for (Map.Entry<Stage, Fault> f : transientReplies.entrySet()) {
            deferredAndRetried(f.getKey(), f.getValue(), pipelining, through, "pipelined-4xx-");
        }
        pipelining.next(Stage.RCPT, Fault.reply(550, "5.1.1 User unknown"));
        JsonNode failed = sendAndAwait(through, "pipelined-5xx-RCPT", "failed");
        assertTrue(failed.path("smtpReply").asText().startsWith("550 5.1.1"), failed.toString());
        JsonNode after = sendAndAwait(through, "pipelined-after", "sent");
        assertEquals(1, after.path("attempt").asInt());
        assertEquals(1, copies(pipelining, after));
    }

    @Test
    void permanentRepliesForTheMessageAreDeadLetteredWithTheirReason() throws Exception {
        server.next(Stage.END_OF_DATA, Fault.reply(550, "5.7.515 Access denied, sending domain example.com does not"
                + " meet the required authentication level."));
        JsonNode failed = sendAndAwait("dmarc", "failed");
        assertTrue(failed.path("smtpReply").asText().startsWith("550 5.7.515"), failed.toString());
        assertTrue(failed.path("fix").asText().contains("DMARC"), failed.toString());
        assertEquals(1, failed.path("attempt").asInt());
        await().until(() -> relay.deadLetters().stream().anyMatch(m -> "dmarc".equals(TestRelay.jobId(m))));
    }

    @Test
    void recipientThreadLimitRetriesTheMessageWithoutPausingTheAccount() throws Exception {
        server.next(Stage.END_OF_DATA, Fault.reply(432, "4.3.2 STOREDRV.Deliver; recipient thread limit exceeded"));
        JsonNode sent = sendAndAwait("recipient-busy", "sent");
        JsonNode deferred = events("recipient-busy", "deferred").get(0);
        assertEquals(2, sent.path("attempt").asInt(), "the retry counts as an attempt: it was this message's turn");
        assertFalse(deferred.path("reason").asText().contains("account"), deferred.toString());
        assertEquals(0, pause().status().pausesInARow(), "the account was not paused");
    }

    @Test
    void senderThreadLimitPausesTheAccountBriefly() throws Exception {
        server.next(Stage.MAIL, Fault.reply(432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"));
        JsonNode sent = sendAndAwait("sender-busy", "sent");
        JsonNode deferred = events("sender-busy", "deferred").get(0);
        assertTrue(deferred.path("reason").asText().contains("too many connections"), deferred.toString());
        assertTrue(deferred.path("fix").asText().contains("relay.smtp.max-connections"), deferred.toString());
        assertEquals(1, sent.path("attempt").asInt(), "an account pause is not an attempt of the job");
    }

    @Test
    void signInDisabledForTheMailboxPausesTheAccountAndSaysHowToFixIt() throws Exception {
        server.next(Stage.AUTH, Fault.reply(535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is"
                + " disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information."));
        relay.sendJson(job("auth-disabled"), Map.of("jobId", "auth-disabled"));
        JsonNode deferred = relay.awaitEvent(TestRelay.status("auth-disabled", "deferred"));
        assertTrue(deferred.path("fix").asText().contains("Set-CASMailbox"), deferred.toString());
        AccountPause.Status status = pause().status();
        if (status.paused()) { // the pause is short in tests; it may be over already
            assertTrue(status.fix().contains("Authenticated SMTP"), status.toString());
        }
        JsonNode sent = relay.awaitEvent(TestRelay.status("auth-disabled", "sent"));
        assertEquals(1, sent.path("attempt").asInt());
    }

    // --- TLS ---------------------------------------------------------------------------------------------------

    @Test
    void brokenTlsIsRetried() throws Exception {
        server.next(Stage.STARTTLS, Fault.tlsGarbage());
        JsonNode garbage = sendAndAwait("tls-garbage", "sent");
        assertTrue(events("tls-garbage", "deferred").get(0).path("reason").asText().contains("TLS"));
        assertEquals(2, garbage.path("attempt").asInt());

        server.next(Stage.STARTTLS, Fault.tlsClose());
        JsonNode closed = sendAndAwait("tls-close", "sent");
        assertEquals(2, closed.path("attempt").asInt());
    }

    @Test
    void aServerWithoutStarttlsIsNeverUsedAndTheAccountPausesWithTheFix() throws Exception {
        FaultSmtpServer plain = FaultSmtpServer.builder().login("relay", "pw").start(); // omits STARTTLS
        extra.add(plain);
        TestRelay own = signingInRelay(tmp.resolve("no-starttls"), plain.port()).start();
        extra.add(0, own);
        own.sendJson(job("no-starttls"), Map.of("jobId", "no-starttls"));

        JsonNode deferred = own.awaitEvent(TestRelay.status("no-starttls", "deferred"));
        assertTrue(deferred.path("reason").asText().contains("STARTTLS"), deferred.toString());
        assertTrue(deferred.path("fix").asText().contains("relay.smtp.security=tls"), deferred.toString());
        assertTrue(plain.sessions().stream().allMatch(s -> s.user() == null), "never signed in over plain text");
        assertTrue(plain.received().isEmpty());
    }

    // --- item 6 of issue 12: nobody waits behind a stalled connection ------------------------------------------

    @Test
    void otherJobsGoOutWhileConnectionsStall() throws Exception {
        FaultSmtpServer stalling = FaultSmtpServer.startPlain();
        extra.add(stalling);
        Path home = tmp.resolve("stalls");
        Files.createDirectories(home);
        // 16 consumers and a 60 s read timeout as shipped; 3 connections: one for each stall and one that works
        TestRelay own = TestRelay.in(home).smtp(stalling.port()).with("relay.smtp.max-connections", "3").start();
        extra.add(0, own);

        stalling.next(Stage.END_OF_DATA, Fault.stall());
        own.sendJson(job("stalled-after-data"), Map.of("jobId", "stalled-after-data"));
        stalling.awaitStalls(1, Duration.ofSeconds(20));
        // and the next new connection stalls before it even greets: the job that opened it waits for it
        stalling.next(Stage.GREETING, Fault.stall());
        int others = 24;
        for (int i = 0; i < others; i++) {
            own.sendJson(job("other-" + i), Map.of("jobId", "other-" + i));
        }

        // every other job goes out while both stalls still hold their connections
        stalling.awaitAcknowledged(others - 1, Duration.ofSeconds(20));
        stalling.awaitStalls(2, Duration.ofSeconds(5));
        assertEquals(2, stalling.stallsActive(), "nobody waited for the stalls to end");
        assertEquals(JobStatus.QUEUED, own.record("stalled-after-data").status(), "still in its SMTP transaction");

        // a stalled connection holds only its own job: cut, it is retried and sent
        stalling.releaseStalls();
        JsonNode sent = own.awaitEvent(TestRelay.status("stalled-after-data", "sent"));
        assertEquals(2, sent.path("attempt").asInt());
        for (int i = 0; i < others; i++) {
            own.awaitEvent(TestRelay.status("other-" + i, "sent"));
        }
        assertEquals(Map.of(sent.path("messageId").asText(), 2L), stalling.duplicates(),
                "only the message whose 250 never came can arrive twice");
    }

    @Test
    void aJobWhoseConnectionBrokeDoesNotWaitForAReplacementConnection() throws Exception {
        FaultSmtpServer stalling = FaultSmtpServer.startPlain();
        extra.add(stalling);
        Path home = tmp.resolve("replacement");
        Files.createDirectories(home);
        TestRelay own = TestRelay.in(home).smtp(stalling.port()).with("relay.retry.initial-delay", "30s").start();
        extra.add(0, own);

        stalling.next(Stage.MAIL, Fault.stall());
        own.sendJson(job("broken"), Map.of("jobId", "broken"));
        stalling.awaitStalls(1, Duration.ofSeconds(20));
        stalling.always(Stage.GREETING, Fault.stall()); // the server stops greeting new connections
        stalling.releaseStalls(); // the job's connection breaks

        // handled at once: commons-pool2's invalidateObject would first open a new connection on this thread
        JsonNode deferred = own.awaitEvent(TestRelay.status("broken", "deferred"));
        assertTrue(deferred.path("reason").asText().contains("connection was lost"), deferred.toString());
        assertEquals(1, stalling.sessionCount(), "no connection opened before a job needs one");
    }

    private AccountPause pause() {
        return relay.context().getRegistry().lookupByNameAndType("accountPause", AccountPause.class);
    }
}
