package org.outboxrelay.observe;

import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestSmtpServer.Stage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health (/observe/health, /live, /ready) and Prometheus metrics (/observe/metrics) on the API's port. */
class ObserveEndpointsTest {

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
    void metricsCountWhatHappenedAndSurviveARouteReload() throws Exception {
        smtp = TestSmtpServer.startPlain();
        Path routes = java.nio.file.Files.createDirectories(home.resolve("routes"));
        try (var files = java.nio.file.Files.list(TestRelay.PROJECT_ROUTES)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                java.nio.file.Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        relay = TestRelay.forServer(home, smtp).routes(routes).with("relay.node.id", "node-a").start();
        smtp.failNext(Stage.RCPT, 451, "4.2.0 busy", 1);
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 unknown");
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}", Map.of("jobId", "m-1"));
        relay.awaitEvent(TestRelay.status("m-1", "deferred"));
        relay.sendJson("{\"to\": \"gone@example.com\", \"subject\": \"s\", \"text\": \"t\"}", Map.of("jobId", "m-2"));
        relay.drop("m-3.json", "{\"to\": \"b@example.com\", \"subject\": \"s\", \"text\": \"t\"}");
        relay.awaitEvent(TestRelay.status("m-1", "sent"));
        relay.awaitEvent(TestRelay.status("m-2", "failed"));
        relay.awaitEvent(e -> "outbox".equals(e.path("channel").asText()) && "sent".equals(e.path("status").asText()));

        String metrics = relay.api().get("/observe/metrics").body();
        assertTrue(metrics.contains("outbox_relay_jobs_received_total{channel=\"jms\",node=\"node-a\"} 2.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_jobs_received_total{channel=\"outbox\",node=\"node-a\"} 1.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_jobs_sent_total{channel=\"jms\",node=\"node-a\"} 1.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_jobs_deferred_total{channel=\"jms\",node=\"node-a\",reason=\"transient\"} 1.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_jobs_failed_total{channel=\"jms\",node=\"node-a\",reason=\"refused\"} 1.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_smtp_replies_total{code=\"250\",node=\"node-a\"} 2.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_smtp_replies_total{code=\"451\",node=\"node-a\"} 1.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_delivery_latency_seconds_bucket"), metrics);
        assertTrue(metrics.contains("outbox_relay_queue_messages{node=\"node-a\",queue=\"mail.dead\"} 1.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_queue_oldest_job_age_seconds{node=\"node-a\"} 0.0"), metrics);
        assertTrue(metrics.contains("outbox_relay_smtp_connections_open"), metrics);
        assertTrue(metrics.contains("outbox_relay_throttle_wait_seconds_count"), metrics);

        // a live route reload keeps the counts
        Path delivery = routes.resolve("delivery.camel.yaml");
        java.nio.file.Files.writeString(delivery, java.nio.file.Files.readString(delivery)
                .replace("description: Reads each job", "description: Reloaded. Reads each job"));
        org.outboxrelay.config.SafeRouteReloadStrategy reloader =
                relay.context().hasService(org.outboxrelay.config.SafeRouteReloadStrategy.class);
        await().until(() -> reloader.reloadCount() == 1);
        String after = relay.api().get("/observe/metrics").body();
        assertTrue(after.contains("outbox_relay_jobs_sent_total{channel=\"jms\",node=\"node-a\"} 1.0"), after);
        assertTrue(after.contains("outbox_relay_jobs_received_total{channel=\"jms\",node=\"node-a\"} 2.0"), after);

        assertEquals(401, new ApiClient(relay.api().port(), "wrong-token-0000000").get("/observe/metrics").status());
    }

    @Test
    void readinessSaysWhySmtpIsDownAndComesBack() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        relay = TestRelay.in(home).smtp(port).with("relay.health.smtp-probe-interval", "200ms").start();
        ApiClient api = relay.api();

        ApiClient.Response ready = await().until(() -> api.get("/observe/health/ready"), r -> r.status() == 503);
        JsonNode body = ready.json();
        assertEquals("DOWN", body.path("status").asText(), body.toString());
        assertTrue(body.toString().contains("cannot connect to the SMTP server"), body.toString());
        assertEquals(200, api.get("/observe/health/live").status(), "alive all the same");

        smtp = TestSmtpServer.builder().port(port).start();
        await().until(() -> api.get("/observe/health/ready").status() == 200);
        assertEquals(401, new ApiClient(api.port(), null).get("/observe/health").status());
    }

    @Test
    void readinessIsDownWhileTheAccountIsPausedNotForABacklog() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.account.pause.initial", "3s").start();
        ApiClient api = relay.api();
        assertEquals(200, api.get("/observe/health/ready").status());

        smtp.failNext(Stage.MAIL, 432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", 1);
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}", Map.of("jobId", "p-1"));
        relay.sendJson("{\"to\": \"b@example.com\", \"subject\": \"s\", \"text\": \"t\"}", Map.of("jobId", "p-2"));

        ApiClient.Response ready = await().until(() -> api.get("/observe/health/ready"), r -> r.status() == 503);
        assertTrue(ready.body().contains("4.3.2"), ready.body());
        assertEquals(200, api.get("/observe/health/live").status(), "paused, not dead");
        assertTrue(relay.queueDepth("mail.jobs") >= 1, "the jobs wait on the queue");

        smtp.awaitMessages(2, java.time.Duration.ofSeconds(30)); // the pause ends by itself
        await().until(() -> api.get("/observe/health/ready").status() == 200);
    }

    @Test
    void readinessIsDownWhileTheBrokerIsDown() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).start().allowUnhandledFailures();
        ApiClient api = relay.api();
        assertEquals(200, api.get("/observe/health/ready").status());

        relay.context().getRegistry().lookupByNameAndType("embeddedBroker",
                org.outboxrelay.broker.EmbeddedBroker.class).server().stop();
        ApiClient.Response ready = await().until(() -> api.get("/observe/health/ready"), r -> r.status() == 503);
        assertTrue(ready.body().contains("the embedded broker is not running"), ready.body());
        assertEquals(200, api.get("/observe/health/live").status());
    }
}
