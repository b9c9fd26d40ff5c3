package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stopping the relay: jobs in flight finish (or stay queued after relay.shutdown.timeout), none is lost. */
class GracefulShutdownTest {

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    final CountDownLatch gate = new CountDownLatch(1); // holds the test SMTP server's MAIL FROM until opened

    @AfterEach
    void stop() throws Exception {
        gate.countDown(); // a failed test must not leave an SMTP session waiting: the server could not stop
        if (relay != null) {
            relay.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void aJobInFlightFinishesBeforeTheRelayStops() throws Exception {
        smtp = TestSmtpServer.startPlain().holdMailFrom(gate);
        relay = TestRelay.forServer(home, smtp).with("relay.shutdown.timeout", "30s").start();
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"in flight\", \"text\": \"t\"}", Map.of("jobId", "fly"));
        await().until(() -> smtp.transactionCount() == 1);

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
            try {
                relay.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().during(Duration.ofMillis(300)).until(() -> !stopping.isDone()); // waits for the job in flight
        gate.countDown();
        stopping.get();
        assertEquals(1, smtp.messages().size());

        smtp.holdMailFrom(null);
        relay.start(); // the job was acknowledged before the stop completed: nothing is left to send
        assertEquals(0, relay.queueDepth("mail.jobs"));
        assertEquals(JobStatus.SENT, relay.record("fly").status());
    }

    @Test
    void aJobStillRunningAfterTheTimeoutStaysQueuedAndGoesOutOnceAfterTheRestart() throws Exception {
        smtp = TestSmtpServer.startPlain().holdMailFrom(gate);
        int brokerPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            brokerPort = socket.getLocalPort();
        }
        try (RelayProcess process = new RelayProcess(home).with("relay.provider", "smtp")
                .with("relay.smtp.host", "127.0.0.1").with("relay.smtp.port", String.valueOf(smtp.port()))
                .with("relay.smtp.security", "none").with("relay.smtp.from", "relay@example.com")
                .with("relay.shutdown.timeout", "1s").with("relay.retry.initial-delay", "1s")
                .with("relay.broker.listen", "127.0.0.1:" + brokerPort)
                .with("relay.broker.user", "app").with("relay.broker.password", "app-password").start()) {
            var cf = new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
            try (var c = cf.createConnection("app", "app-password")) {
                var s = c.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
                var m = s.createTextMessage("{\"to\": \"a@example.com\", \"subject\": \"stuck\", \"text\": \"t\"}");
                m.setStringProperty("jobId", "stuck");
                s.createProducer(s.createQueue("mail.jobs")).send(m);
            }
            await().until(() -> smtp.transactionCount() == 1);
            // the relay waits 1 s for the job, then cuts the SMTP connection: well before the 60 s read timeout
            assertEquals(0, process.terminate(Duration.ofSeconds(20)), "gives up waiting after 1 s and exits 0");
            smtp.holdMailFrom(null);
            gate.countDown(); // the connection of the stopped relay is gone: that transaction never completes

            process.start();
            assertEquals("stuck", smtp.awaitMessage().subject());
            process.terminate(Duration.ofSeconds(60));
            assertEquals(1, smtp.messages().size(), "sent once");
        }
    }

    @Test
    void sigtermExitsWithZero() throws Exception {
        smtp = TestSmtpServer.startPlain();
        try (RelayProcess process = new RelayProcess(home).with("relay.provider", "smtp")
                .with("relay.smtp.host", "127.0.0.1").with("relay.smtp.port", String.valueOf(smtp.port()))
                .with("relay.smtp.security", "none").start()) {
            assertEquals(0, process.terminate(Duration.ofSeconds(60)));
            assertFalse(java.nio.file.Files.readString(process.log()).contains("ERROR"));
        }
    }

    @Test
    void sigtermDuringABurstLosesNothingAndSendsNothingTwice() throws Exception {
        smtp = TestSmtpServer.startPlain();
        int brokerPort = TestRelay.freePort();
        int jobs = 300;
        try (RelayProcess process = new RelayProcess(home).with("relay.provider", "smtp")
                .with("relay.smtp.host", "127.0.0.1").with("relay.smtp.port", String.valueOf(smtp.port()))
                .with("relay.smtp.security", "none").with("relay.smtp.from", "relay@example.com")
                .with("relay.broker.listen", "127.0.0.1:" + brokerPort)
                .with("relay.broker.user", "app").with("relay.broker.password", "app-password").start()) {
            var cf = new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
            try (var c = cf.createConnection("app", "app-password")) {
                var s = c.createSession(true, jakarta.jms.Session.SESSION_TRANSACTED);
                var producer = s.createProducer(s.createQueue("mail.jobs"));
                for (int i = 0; i < jobs; i++) {
                    var m = s.createTextMessage("{\"to\": \"a@example.com\", \"subject\": \"burst " + i
                            + "\", \"text\": \"t\"}");
                    m.setStringProperty("jobId", "burst-" + i);
                    producer.send(m);
                }
                s.commit();
            }
            await().until(() -> smtp.messages().size() >= 20); // mid-burst
            assertEquals(0, process.terminate(Duration.ofSeconds(60)));
            int beforeRestart = smtp.messages().size();

            process.start();
            var received = smtp.awaitMessages(jobs, Duration.ofSeconds(120));
            assertTrue(beforeRestart < jobs, "the burst was still going when SIGTERM came (" + beforeRestart + ")");
            assertEquals(jobs, received.stream().map(m -> m.subject()).distinct().count(), "every job arrived");
            assertEquals(0, process.terminate(Duration.ofSeconds(60))); // all done: nothing more may come
            assertEquals(jobs, smtp.messages().size(), "none twice");
        }
    }
}
