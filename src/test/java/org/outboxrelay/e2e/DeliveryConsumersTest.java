package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.apache.activemq.artemis.core.server.Queue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The delivery route's consumers follow the load: one while mail.jobs is empty, more while jobs wait (up to
 * relay.delivery.consumers), and back to one when the burst is over - closed at the broker too, not kept open by
 * the JMS connection cache, where each stayed a consumer of mail.jobs.
 */
class DeliveryConsumersTest {

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    final CountDownLatch gate = new CountDownLatch(1); // holds the test SMTP server's MAIL FROM until opened

    @AfterEach
    void stop() throws Exception {
        gate.countDown();
        if (relay != null) {
            relay.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void consumersStartWithTheLoadAndCloseWhenItIsOver() throws Exception {
        smtp = TestSmtpServer.startPlain().holdMailFrom(gate);
        relay = TestRelay.forServer(home, smtp).with("relay.delivery.consumers", "4").start();
        await().until(() -> mailJobs().getConsumerCount() == 1); // an empty queue: one consumer waits

        for (int i = 0; i < 8; i++) {
            relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"burst " + i + "\", \"text\": \"t\"}",
                    Map.of("jobId", "burst-" + i));
        }
        // each job taken while no consumer is idle starts another one, up to relay.delivery.consumers
        await().atMost(Duration.ofSeconds(20)).until(() -> mailJobs().getConsumerCount() == 4);

        gate.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> smtp.messages().size() == 8);
        // the extra consumers stop after ten idle receives (1 s each), and are closed at the broker
        await().atMost(Duration.ofSeconds(60)).until(() -> mailJobs().getConsumerCount() == 1);
        assertEquals(0, relay.queueDepth("mail.jobs"));
    }

    /** A held route (the account's pause, the store out of reach, a full disk) leaves no consumer at the broker. */
    @Test
    void aHeldRouteLeavesNoConsumerAtTheBroker() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.delivery.consumers", "4").start();
        await().until(() -> mailJobs().getConsumerCount() == 1);
        org.outboxrelay.flow.ConsumerHolds holds = relay.context().getRegistry().lookupByNameAndType("consumerHolds",
                org.outboxrelay.flow.ConsumerHolds.class);
        org.apache.camel.Route delivery = relay.context().getRoute("deliver-mail");
        // from a thread of its own, as the policies hold it (never from one of the route's listener threads)
        java.util.concurrent.CompletableFuture.runAsync(() -> holds.set(delivery, "test", true)).get();
        await().until(() -> mailJobs().getConsumerCount() == 0);

        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"held\", \"text\": \"t\"}",
                Map.of("jobId", "held"));
        await().during(Duration.ofMillis(500)).until(() -> relay.queueDepth("mail.jobs") == 1);
        java.util.concurrent.CompletableFuture.runAsync(() -> holds.set(delivery, "test", false)).get();
        assertEquals("held", smtp.awaitMessage().subject(), "sent once the hold ends");
        // a second consumer may have started for the job: back to one after its idle receives
        await().atMost(Duration.ofSeconds(60)).until(() -> mailJobs().getConsumerCount() == 1);
    }

    private Queue mailJobs() {
        EmbeddedBroker broker = relay.context().getRegistry().lookupByNameAndType("embeddedBroker",
                EmbeddedBroker.class);
        return broker.server().locateQueue("mail.jobs");
    }
}
