package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.BrokerProcess;
import org.outboxrelay.testing.RecordingSmtpSink;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestPostgres;
import org.outboxrelay.testing.TestRelay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several relays as one: three relay JVMs on an Artemis primary/backup pair (two more JVMs sharing one journal
 * folder) and one PostgreSQL store, delivering to an SMTP sink that records when each message arrived and how
 * many sessions were open at once. Relays and brokers are killed with SIGKILL, PostgreSQL is restarted.
 */
class ClusterTest {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterTest.class);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = TestRelay.API_TOKEN;

    @TempDir
    Path dir;
    RecordingSmtpSink sink;
    BrokerProcess[] brokers;
    String stateUrl;
    final List<RelayProcess> relays = new ArrayList<>();

    @BeforeEach
    void infrastructure() throws Exception {
        sink = new RecordingSmtpSink();
        brokers = BrokerProcess.pair(dir.resolve("brokers"));
        brokers[0].start();
        brokers[1].start();
        stateUrl = TestPostgres.get().newDatabase();
    }

    @AfterEach
    void stop(org.junit.jupiter.api.TestInfo test) throws Exception {
        // what the queues hold at the end, in the test's output (for whoever looks into a failure)
        for (RelayProcess r : relays) {
            try {
                ApiClient api = new ApiClient(r.httpPort(), TOKEN);
                LOG.info("Queues at the end: {}", api.get("/api/v1/admin/queues").body());
                LOG.info("Dead letters at the end: {}", api.get("/api/v1/admin/dead").body());
                break;
            } catch (Exception | AssertionError e) {
                LOG.info("Queues at the end: cannot be read ({})", e.toString());
            }
        }
        for (RelayProcess r : relays) {
            r.close();
        }
        for (BrokerProcess b : brokers) {
            b.close();
        }
        sink.close();
        keepLogs(test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test"));
    }

    /** The relays' and brokers' logs, kept in target/cluster-logs/TEST/ for whoever looks into a failure. */
    private void keepLogs(String name) throws Exception {
        Path to = Path.of("target", "cluster-logs", name);
        java.nio.file.Files.createDirectories(to);
        try (var files = java.nio.file.Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().endsWith(".log")) {
                    java.nio.file.Files.copy(f, to.resolve(dir.relativize(f).toString().replace('/', '_')),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Three relays with these settings on top of the cluster's, started at the same time. */
    private void startRelays(Map<String, String> settings) throws Exception {
        ExecutorService starting = Executors.newFixedThreadPool(3);
        try {
            List<Future<RelayProcess>> started = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                RelayProcess relay = new RelayProcess(dir.resolve("relay-" + i))
                        .with("relay.node.id", "node-" + i)
                        .with("relay.provider", "smtp")
                        .with("relay.smtp.host", "127.0.0.1")
                        .with("relay.smtp.port", String.valueOf(sink.port()))
                        .with("relay.smtp.security", "none")
                        .with("relay.smtp.username", "relay@example.com")
                        .with("relay.smtp.password", "smtp-password")
                        .with("relay.smtp.from", "relay@example.com")
                        .with("relay.broker.url", BrokerProcess.failoverUrl(brokers))
                        .with("relay.broker.user", BrokerProcess.USER)
                        .with("relay.broker.password", BrokerProcess.PASSWORD)
                        .with("relay.state.url", stateUrl)
                        .with("relay.state.user", "relay")
                        .with("relay.http.host", "127.0.0.1")
                        .with("relay.http.tokens", TOKEN)
                        .with("relay.delivery.consumers", "4")
                        .with("relay.retry.initial-delay", "1s")
                        .with("relay.memory.release-interval", "0");
                settings.forEach(relay::with);
                relays.add(relay);
                started.add(starting.submit(relay::start));
            }
            for (Future<RelayProcess> f : started) {
                f.get();
            }
        } finally {
            starting.shutdownNow();
        }
    }

    /** Posts JMS jobs with ids prefix-0..n-1 to mail.jobs through the broker pair, committing every 100. */
    private void sendJobs(String prefix, int n, String to) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(BrokerProcess.failoverUrl(brokers),
                BrokerProcess.USER, BrokerProcess.PASSWORD);
                jakarta.jms.Connection c = cf.createConnection()) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue("mail.jobs"));
            for (int i = 0; i < n; i++) {
                TextMessage m = s.createTextMessage("{\"to\": \"" + to + "\", \"subject\": \"" + prefix + i
                        + "\", \"text\": \"hello\"}");
                m.setStringProperty("jobId", prefix + i);
                p.send(m);
                if (i % 100 == 99) {
                    s.commit();
                }
            }
            s.commit();
        }
    }

    private ApiClient api(int relay) throws Exception {
        return new ApiClient(relay(relay).httpPort(), TOKEN);
    }

    private RelayProcess relay(int i) {
        return relays.get(i - 1);
    }

    private long count(String sql, Object... args) throws Exception {
        try (Connection c = DriverManager.getConnection(stateUrl, "relay", "");
                PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    private Instant pausedUntil() throws Exception {
        try (Connection c = DriverManager.getConnection(stateUrl, "relay", "");
                PreparedStatement p = c.prepareStatement("SELECT paused_until FROM account_pause")) {
            try (ResultSet r = p.executeQuery()) {
                Timestamp t = r.next() ? r.getTimestamp(1) : null;
                return t == null ? null : t.toInstant();
            }
        }
    }

    @Test
    void theAccountsLimitsHoldAcrossAllRelays() throws Exception {
        startRelays(Map.of("relay.limits.messages-per-minute", "20", "relay.limits.throttle-period", "10s",
                "relay.limits.recipients-per-day", "35", "relay.smtp.max-connections", "2"));
        // 35 at 20 per 10 s: the throttle holds them back over two periods and more
        sendJobs("limit-", 40, "someone@example.com");
        sink.awaitDistinct(35, Duration.ofSeconds(90));
        // the budget is used up: the other 5 wait for the next day on the queue
        await().atMost(Duration.ofSeconds(10)).until(() -> pausedUntil() != null);
        assertEquals(35, sink.distinctMessages(), "the daily budget of 35 recipients holds exactly");
        assertEquals(35L, count("SELECT used FROM account_daily_recipients"));
        assertTrue(sink.mostInAnyWindow(Duration.ofSeconds(10)) <= 20,
                "at most 20 messages in any 10 s, across the relays: " + sink.mostInAnyWindow(Duration.ofSeconds(10)));
        assertTrue(sink.maxOpenSessions() <= 2, "at most 2 SMTP sessions at once: " + sink.maxOpenSessions());
        assertEquals(Map.of(), sink.duplicates());
    }

    @Test
    void connectionsAreCappedAcrossAllRelaysUnderABurst() throws Exception {
        // 300 jobs at 20 per connection: 15 connections at least, never more than 3 open at once
        startRelays(Map.of("relay.smtp.max-connections", "3", "relay.smtp.messages-per-connection", "20"));
        sendJobs("conn-", 300, "someone@example.com");
        sink.awaitDistinct(300, Duration.ofSeconds(120));
        assertTrue(sink.maxOpenSessions() <= 3, "at most 3 SMTP sessions at once: " + sink.maxOpenSessions());
        assertTrue(sink.sessionCount() >= 15, "connections were closed and opened again: " + sink.sessionCount());
        assertEquals(Map.of(), sink.duplicates());
        // 12 consumers for 3 connections: relays postponed jobs, and their logs say why
        StringBuilder logs = new StringBuilder();
        for (RelayProcess r : relays) {
            logs.append(java.nio.file.Files.readString(r.log()));
        }
        assertTrue(logs.toString().contains("Postponed ") && logs.toString().contains(
                "all relay.smtp.max-connections (3) SMTP connections of the account are open on the relays"),
                "a postponement for the shared connection cap is logged");
    }

    @Test
    void aRefusedSignInOnOneRelayPausesAllOfThemThenOneProbeThenAllResume() throws Exception {
        startRelays(Map.of("relay.account.pause.initial", "10s", "relay.account.pause.max", "10s",
                "relay.smtp.max-connections", "2"));
        sink.refuseAuth("535 5.7.3 Authentication unsuccessful");
        sendJobs("auth-", 12, "someone@example.com");
        await().atMost(Duration.ofSeconds(30)).until(() -> pausedUntil() != null);
        Instant firstPauseEnds = pausedUntil();
        // every relay honours the pause within a second or two (each reads the shared row every second; a loaded
        // test machine running five JVMs takes longer): no sign-in tried while it lasts
        List<ApiClient> apis = List.of(api(1), api(2), api(3));
        await().atMost(Duration.ofSeconds(8)).until(() -> apis.stream()
                .allMatch(api -> api.get("/observe/health/ready").status() == 503));
        int before = sink.authAttempts().size();
        assertTrue(before <= 10, "a few sign-ins at most before every relay paused: " + before);
        // after the pause exactly one relay probes with one job: one sign-in, refused again, a second pause
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Instant until = pausedUntil();
            return until != null && until.isAfter(firstPauseEnds);
        });
        assertEquals(before + 1, sink.authAttempts().size(), "one probe after the pause, not one per relay");
        assertTrue(sink.authAttempts().get(before).isAfter(firstPauseEnds.minusMillis(500)),
                "nobody signed in during the pause");

        sink.refuseAuth(null); // the account works again
        // the next probe, then everything: a job the broker had handed to a relay as it stopped taking jobs comes
        // back after the broker's redelivery delay (5 s, then 10 s), so allow for two of those
        sink.awaitDistinct(12, Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> count(
                "SELECT COUNT(*) FROM account_pause WHERE pauses_in_a_row = 0") == 1);
        // then all resume: each relay is ready (takes jobs) again - which of them sends is up to the cap of two
        // connections, which the relays holding a connection may keep
        await().atMost(Duration.ofSeconds(8)).until(() -> apis.stream()
                .allMatch(api -> api.get("/observe/health/ready").status() == 200));
        sendJobs("after-", 60, "someone@example.com");
        sink.awaitDistinct(72, Duration.ofSeconds(60));
        assertEquals(0L, count("SELECT COUNT(*) FROM mail_job WHERE status = 'FAILED'"), "no job failed for it");
    }

    @Test
    void theSameJobPostedToTwoRelaysIsSentOnceAndEveryRelayAnswersTheSameStatus() throws Exception {
        startRelays(Map.of());
        String job = "{\"id\": \"same-1\", \"to\": \"a@example.com\", \"subject\": \"once\", \"text\": \"t\"}";
        assertEquals(202, api(1).postJson("/api/v1/mails", job).status());
        sendJobsWithBody("same-1", job);
        await().atMost(Duration.ofSeconds(30)).until(() -> "sent".equals(status(2).path("status").asText()));
        // the JMS copy is consumed too: it ends as a duplicate, never a second message
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "SELECT COUNT(*) FROM job_event WHERE job_id = 'same-1' AND status = 'duplicate'") >= 1);
        assertEquals(1, sink.messages().size(), "sent once");
        JsonNode one = status(1);
        for (int i = 2; i <= 3; i++) {
            JsonNode other = status(i);
            assertEquals(one.path("status"), other.path("status"));
            assertEquals(one.path("messageId"), other.path("messageId"));
            assertEquals(one.path("node"), other.path("node"));
            assertEquals(one.path("attempts"), other.path("attempts"));
        }
        assertTrue(one.path("node").asText().startsWith("node-"), one.toString());
        // posting it again to a third relay: the same job, not a new one
        assertEquals(200, api(3).postJson("/api/v1/mails", job).status());
        assertEquals(1, sink.messages().size());
    }

    private void sendJobsWithBody(String id, String body) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(BrokerProcess.failoverUrl(brokers),
                BrokerProcess.USER, BrokerProcess.PASSWORD);
                jakarta.jms.Connection c = cf.createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage m = s.createTextMessage(body);
            m.setStringProperty("jobId", id);
            s.createProducer(s.createQueue("mail.jobs")).send(m);
        }
    }

    private JsonNode status(int relay) throws Exception {
        return JSON.readTree(api(relay).get("/api/v1/mails/same-1").body());
    }

    @Test
    void aRelayKilledInTheMiddleOfABurstLosesNothingAndRepeatsAtMostWhatItHadInFlight() throws Exception {
        startRelays(Map.of());
        // killed a fifth into the burst: all three relays are busy, most of the burst is still to come
        sendJobs("kill-", 1500, "someone@example.com");
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.distinctMessages() >= 300);
        relay(2).kill();
        sink.awaitDistinct(1500, Duration.ofSeconds(180));
        int duplicates = sink.duplicates().values().stream().mapToInt(n -> n - 1).sum();
        assertTrue(duplicates <= 4, "at most the killed relay's 4 jobs in flight are sent again: " + duplicates);
        assertEquals(1500L, count("SELECT COUNT(*) FROM mail_job WHERE status = 'SENT'"));
    }

    @Test
    void theBackupBrokerTakesOverWhenThePrimaryIsKilledAndDeferredJobsComeBackOnTime() throws Exception {
        startRelays(Map.of("relay.retry.initial-delay", "8s", "relay.retry.max-delay", "8s"));
        sink.deferRecipient("later@example.com", 1);
        sendJobs("later-", 1, "later@example.com");
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "SELECT COUNT(*) FROM mail_job WHERE id = 'later-0' AND status = 'DEFERRED'") == 1);
        Instant due = nextAttempt("later-0");
        // the primary killed a fifth into the burst
        sendJobs("failover-", 1000, "someone@example.com");
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.distinctMessages() >= 200);
        brokers[0].kill();
        brokers[1].awaitActive(Duration.ofSeconds(60));
        sink.awaitDistinct(1001, Duration.ofSeconds(180));
        int duplicates = sink.duplicates().values().stream().mapToInt(n -> n - 1).sum();
        assertTrue(duplicates <= 12, "at most the 12 jobs in flight are sent again: " + duplicates);
        Instant arrived = sink.messages().stream().filter(m -> m.recipients().contains("later@example.com"))
                .findFirst().orElseThrow().at();
        assertTrue(!arrived.isBefore(due.minusMillis(200)) && arrived.isBefore(due.plusSeconds(15)),
                "the deferred job came back on time after the failover: due " + due + ", arrived " + arrived);
    }

    private Instant nextAttempt(String id) throws Exception {
        try (Connection c = DriverManager.getConnection(stateUrl, "relay", "");
                PreparedStatement p = c.prepareStatement("SELECT next_attempt_at FROM mail_job WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return r.getTimestamp(1).toInstant();
            }
        }
    }

    @Test
    void relaysWaitForPostgresRestartedDuringABurstAndLoseNothing() throws Exception {
        startRelays(Map.of());
        // restarted a quarter into the burst
        sendJobs("pg-", 600, "someone@example.com");
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.distinctMessages() >= 150);
        TestPostgres.get().restart(Duration.ofSeconds(3));
        sink.awaitDistinct(600, Duration.ofSeconds(180));
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "SELECT COUNT(*) FROM mail_job WHERE id LIKE 'pg-%' AND status = 'SENT'") == 600);
        Set<String> received = new HashSet<>();
        sink.messages().forEach(m -> received.add(m.messageId()));
        assertEquals(600, received.size(), "every job delivered");
        assertEquals(0L, count("SELECT COUNT(*) FROM mail_job WHERE status = 'FAILED'"), "none failed for it");
    }
}
