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

/** Stopping the relay: jobs in flight finish (or stay queued after relay.shutdown.timeout), none is lost. */
class GracefulShutdownTest {

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

    @Test
    void aJobInFlightFinishesBeforeTheRelayStops() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
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
        CountDownLatch gate = new CountDownLatch(1);
        smtp = TestSmtpServer.startPlain().holdMailFrom(gate);
        relay = TestRelay.forServer(home, smtp).with("relay.shutdown.timeout", "1s").allowUnhandledFailures().start();
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"stuck\", \"text\": \"t\"}", Map.of("jobId", "stuck"));
        await().until(() -> smtp.transactionCount() == 1);
        relay.stop(); // gives up waiting after 1 s
        gate.countDown();
        smtp.holdMailFrom(null);

        relay.start();
        assertEquals("stuck", smtp.awaitMessage().subject());
        relay.awaitEvent(TestRelay.status("stuck", "sent"));
        assertEquals(1, smtp.messages().size());
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
}
