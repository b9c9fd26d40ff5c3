package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.SafeRouteReloadStrategy;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Editing routes/*.camel.yaml while the relay runs: a good edit takes effect, a broken edit is rejected
 * while the relay keeps delivering, and restoring the file afterwards works (no "duplicate route id").
 */
class LiveReloadTest {

    @TempDir
    Path home;
    Path routes;
    TestSmtpServer smtp;
    TestRelay relay;
    int routeCount;

    @BeforeEach
    void start() throws Exception {
        routes = Files.createDirectories(home.resolve("routes"));
        try (var files = Files.list(TestRelay.PROJECT_ROUTES)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).routes(routes).start();
        routeCount = relay.context().getRoutes().size();
        // every REST call is a route of its own from the start, whichever route file loaded first
        for (String id : List.of("rest-post-mail", "rest-get-mail", "rest-get-queues", "rest-purge-dead-letters")) {
            assertNotNull(relay.context().getRoute(id), id);
        }
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    private SafeRouteReloadStrategy reloader() {
        return relay.context().hasService(SafeRouteReloadStrategy.class);
    }

    private void deliverOne(String id) throws Exception {
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"" + id + "\", \"text\": \"t\"}", Map.of("jobId", id));
        relay.awaitEvent(TestRelay.status(id, "sent"));
    }

    @Test
    void goodEditTakesEffect() throws Exception {
        Path file = routes.resolve("delivery.camel.yaml");
        String original = Files.readString(file);
        Files.writeString(file, original.replace("description: Reads each job from mail.jobs",
                "description: EDITED Reads each job from mail.jobs"));

        await().atMost(Duration.ofSeconds(20)).until(() -> reloader().reloadCount() == 1);
        assertEquals(true, relay.context().getRoute("deliver-mail").getDescription().startsWith("EDITED"));
        assertEquals(routeCount, relay.context().getRoutes().size());
        deliverOne("after-good-edit");
        // the HTTP API's REST routes came back too, behind the same token check
        assertEquals(202, relay.api().postJson("/api/v1/mails", "{\"id\": \"http-after-edit\", \"to\": \"a@example.com\","
                + " \"subject\": \"s\", \"text\": \"t\"}").status());
        relay.awaitEvent(TestRelay.status("http-after-edit", "sent"));
        assertEquals(401, relay.api().withToken(null).get("/api/v1/mails/http-after-edit").status());
    }

    @Test
    void brokenYamlIsRejectedAndTheRelayKeepsDelivering() throws Exception {
        Path file = routes.resolve("delivery.camel.yaml");
        String original = Files.readString(file);
        Files.writeString(file, original + "\n  - this: [is not: valid yaml\n");

        await().atMost(Duration.ofSeconds(20)).until(() -> reloader().rejectedCount() == 1);
        assertEquals(ServiceStatus.Started, relay.context().getRouteController().getRouteStatus("deliver-mail"));
        deliverOne("during-broken-yaml");

        Files.writeString(file, original);
        await().atMost(Duration.ofSeconds(20)).until(() -> reloader().reloadCount() == 1);
        assertEquals(routeCount, relay.context().getRoutes().size());
        deliverOne("after-restore");
    }

    @Test
    void routeThatCannotStartIsRolledBackAndRestoringTheFileWorks() throws Exception {
        // valid YAML, but the route cannot be built: an unknown bean and an unknown component
        Path file = routes.resolve("outcomes.camel.yaml");
        String original = Files.readString(file);
        Files.writeString(file, original.replace("ref: jobLedger\n              method: sent",
                "ref: noSuchBean\n              method: sent").replace("uri: direct:publish-event",
                "uri: nosuchcomponent:publish-event"));

        await().atMost(Duration.ofSeconds(20)).until(() -> reloader().rejectedCount() == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.context().getRoutes().size() == routeCount);
        assertEquals(ServiceStatus.Started, relay.context().getRouteController().getRouteStatus("deliver-mail"));
        assertEquals(ServiceStatus.Started, relay.context().getRouteController().getRouteStatus("job-sent"));
        deliverOne("during-broken-route");

        Files.writeString(file, original);
        await().atMost(Duration.ofSeconds(20)).until(() -> reloader().reloadCount() == 1);
        assertEquals(routeCount, relay.context().getRoutes().size());
        deliverOne("after-restore");
        assertEquals(2, smtp.messages().size());
    }
}
