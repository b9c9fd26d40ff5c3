package org.outboxrelay.e2e;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import jakarta.jms.Connection;
import jakarta.jms.Session;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Jobs survive restarts and crashes, and each is delivered exactly once. */
class RestartTest {

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
    void deferredJobsWaitingAcrossARestartAreDeliveredOnce() throws Exception {
        int port = freePort();
        relay = TestRelay.in(home).smtp(port).with("relay.retry.initial-delay", "1s").start();
        for (int i = 1; i <= 5; i++) {
            relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"job " + i + "\", \"text\": \"t\"}",
                    Map.of("jobId", "waiting-" + i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.events().stream()
                .filter(e -> "deferred".equals(e.path("status").asText())).count() >= 5);
        relay.stop();

        smtp = TestSmtpServer.builder().port(port).start();
        relay.start();
        List<ReceivedMessage> got = smtp.awaitMessages(5, Duration.ofSeconds(30));
        for (int i = 1; i <= 5; i++) {
            relay.awaitEvent(TestRelay.status("waiting-" + i, "sent"));
        }
        assertEquals(5, got.stream().map(ReceivedMessage::subject).distinct().count());
        assertEquals(5, smtp.messages().size(), "each delivered once");
        assertEquals(0, relay.queueDepth("mail.jobs"));
    }

    @Test
    void aRelayKilledInTheMiddleOfSendingDeliversEveryJobOnceAfterRestart() throws Exception {
        int brokerPort = freePort();
        CountDownLatch gate = new CountDownLatch(1);
        smtp = TestSmtpServer.startPlain().holdMailFrom(gate);
        try (RelayProcess process = new RelayProcess(home)
                .with("relay.provider", "smtp").with("relay.smtp.host", "127.0.0.1")
                .with("relay.smtp.port", String.valueOf(smtp.port())).with("relay.smtp.security", "none")
                .with("relay.smtp.auth", "none").with("relay.smtp.from", "relay@example.com")
                .with("relay.delivery.consumers", "1")
                .with("relay.broker.listen", "127.0.0.1:" + brokerPort)
                .with("relay.broker.user", "app").with("relay.broker.password", "s3cret")
                .start()) {
            ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
            try (Connection c = cf.createConnection("app", "s3cret")) {
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                for (int i = 1; i <= 3; i++) {
                    var m = s.createTextMessage("{\"to\": \"a@example.com\", \"subject\": \"crash " + i
                            + "\", \"text\": \"t\"}");
                    m.setStringProperty("jobId", "crash-" + i);
                    s.createProducer(s.createQueue("mail.jobs")).send(m);
                }
            }
            // the relay is now in the middle of a transaction for the first job: kill it there
            await().atMost(Duration.ofSeconds(30)).until(() -> smtp.transactionCount() >= 1);
            process.kill();
            smtp.holdMailFrom(null);
            gate.countDown();
            assertEquals(0, smtp.messages().size());

            process.start();
            List<ReceivedMessage> got = smtp.awaitMessages(3, Duration.ofSeconds(60));
            assertEquals(List.of("crash 1", "crash 2", "crash 3"),
                    got.stream().map(ReceivedMessage::subject).sorted().toList());
            process.terminate(Duration.ofSeconds(30));
            assertEquals(3, smtp.messages().size(), "no job sent twice");
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
