package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin calls of the HTTP API (routes/http-admin.camel.yaml): the queue command's status and dead-letter
 * actions over real HTTP, on dead letters the real relay made from a real SMTP server's 550.
 */
class AdminApiTest {

    private static final String ADMIN = "/api/v1/admin";
    private static final String MAILS = "/api/v1/mails";
    private static final String ADMIN_TOKEN = "admin-token-9c4e2a7b1d3f5e60";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    ApiClient api;

    @BeforeEach
    void start() {
        smtp = TestSmtpServer.startPlain();
        // deferred jobs stay deferred for the length of the test
        relay = TestRelay.forServer(home, smtp).with("relay.retry.initial-delay", "1h")
                .with("relay.retry.max-delay", "1h");
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    @Test
    void deadLettersAreListedShownRetriedUnderTheirIdAndPurged() throws Exception {
        relay.start();
        api = relay.api();
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 User unknown");
        smtp.failNext(TestSmtpServer.Stage.MAIL, 451, "4.7.1 later", 1);
        submit("waiting", "x@example.com", "deferred");
        awaitStatus("waiting", "deferred");
        submit("dead-1", "gone@example.com", "dead one");
        submitMessage("dead-2", "gone@example.com", "dead two"); // its id only in the Idempotency-Key
        awaitStatus("dead-1", "failed");
        awaitStatus("dead-2", "failed");

        // status: one deferred job waiting, two dead letters, all younger than five minutes
        JsonNode queues = ok(api.get(ADMIN + "/queues"));
        assertEquals(2, queues.size(), queues.toString());
        JsonNode jobs = queues.get(0);
        assertEquals("mail.jobs", jobs.path("queue").asText());
        assertEquals(1, jobs.path("total").asInt(), jobs.toString());
        assertEquals(1, jobs.path("deferred").asInt(), jobs.toString());
        assertEquals(1, jobs.path("byAge").path("0-5m").asInt(), jobs.toString());
        assertEquals(0, jobs.path("byAge").path(">2d").asInt(), jobs.toString());
        JsonNode dead = queues.get(1);
        assertEquals("mail.dead", dead.path("queue").asText());
        assertEquals(2, dead.path("total").asInt(), dead.toString());
        assertEquals(0, dead.path("deferred").asInt(), dead.toString());
        assertTrue(dead.path("oldestSeconds").asLong() < 300, dead.toString());

        // list: why each failed, no content
        JsonNode list = ok(api.get(ADMIN + "/dead"));
        assertEquals(List.of("dead-1", "dead-2"), ids(list));
        for (JsonNode d : list) {
            assertEquals("550 5.1.1 User unknown", d.path("smtpReply").asText(), d.toString());
            assertEquals("http", d.path("channel").asText(), d.toString());
            assertFalse(d.path("reason").asText().isEmpty(), d.toString());
            assertFalse(d.path("failedAt").asText().isEmpty(), d.toString());
            assertFalse(d.has("content"), "the list has no bodies: " + d);
            assertEquals(d.path("id").asText().equals("dead-2") ? "message/rfc822" : "application/json",
                    d.path("contentType").asText(), d.toString());
        }

        // show: the same, with the job as it was queued
        JsonNode one = ok(api.get(ADMIN + "/dead/dead-1"));
        assertEquals("dead-1", one.path("id").asText());
        assertEquals("550 5.1.1 User unknown", one.path("smtpReply").asText());
        assertEquals("application/json", one.path("contentType").asText());
        assertTrue(one.path("content").asText().contains("\"subject\": \"dead one\""), one.toString());

        // retry one: sent under its id, so its status (GET /mails/{id}) follows it to sent
        smtp.clearRefusals();
        assertEquals("{\"retried\":1}", api.send("POST", ADMIN + "/dead/dead-1/retry").body());
        JsonNode sent = awaitStatus("dead-1", "sent");
        assertTrue(sent.path("smtpReply").asText().startsWith("250"), sent.toString());
        assertEquals(List.of("dead one"), subjects());
        assertEquals(List.of("dead-2"), ids(ok(api.get(ADMIN + "/dead"))));

        // idempotency still applies: dead-2 was submitted again and sent; retrying its dead letter sends nothing
        submitMessage("dead-2", "gone@example.com", "dead two");
        awaitStatus("dead-2", "sent");
        assertProblem(api.send("POST", ADMIN + "/dead/retry"), 400, "all=true");
        assertEquals("{\"retried\":1}", api.send("POST", ADMIN + "/dead/retry?all=true").body());
        relay.awaitEvent(TestRelay.status("dead-2", "duplicate"));
        assertEquals(List.of("dead one", "dead two"), subjects());
        assertEquals("[]", api.get(ADMIN + "/dead").body());

        // purge: one by id, then all - but not without all=true
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 User unknown");
        submit("dead-3", "gone@example.com", "dead three");
        submit("dead-4", "gone@example.com", "dead four");
        await().atMost(Duration.ofSeconds(30)).until(() -> ids(ok(api.get(ADMIN + "/dead"))).size() == 2);
        assertEquals("{\"purged\":1}", api.send("DELETE", ADMIN + "/dead/dead-3").body());
        assertProblem(api.get(ADMIN + "/dead/dead-3"), 404, "No dead letter with id \"dead-3\"");
        assertProblem(api.send("DELETE", ADMIN + "/dead"), 400, "all=true");
        assertEquals(List.of("dead-4"), ids(ok(api.get(ADMIN + "/dead"))));
        assertEquals("{\"purged\":1}", api.send("DELETE", ADMIN + "/dead?all=true").body());
        assertEquals("[]", api.get(ADMIN + "/dead").body());
        assertEquals(0, relay.queueDepth("mail.dead"));

        // unknown ids are 404 for every single-letter call; nothing was sent for the purged ones
        assertProblem(api.send("POST", ADMIN + "/dead/never-seen/retry"), 404, "never-seen");
        assertProblem(api.send("DELETE", ADMIN + "/dead/never-seen"), 404, "never-seen");
        assertEquals(List.of("dead one", "dead two"), subjects());
    }

    @Test
    void adminCallsNeedAToken() throws Exception {
        relay.start();
        api = relay.api();
        ApiClient anonymous = api.withToken(null);
        assertProblem(anonymous.get(ADMIN + "/queues"), 401, "Authorization: Bearer");
        assertProblem(anonymous.get(ADMIN + "/dead"), 401, "Authorization: Bearer");
        assertProblem(anonymous.send("DELETE", ADMIN + "/dead?all=true"), 401, "Authorization: Bearer");
        assertProblem(api.withToken("not-the-token-0123456789").send("POST", ADMIN + "/dead/retry?all=true"), 401,
                "Bearer");
        // without relay.http.admin-tokens the API's token may use them
        assertEquals(200, api.get(ADMIN + "/queues").status());
    }

    @Test
    void withAdminTokensSetTheSubmittingTokenIsRefusedTheAdminCalls() throws Exception {
        relay.with("relay.http.admin-tokens", ADMIN_TOKEN).start();
        api = relay.api();
        ApiClient admin = api.withToken(ADMIN_TOKEN);
        assertProblem(api.get(ADMIN + "/dead"), 403, "relay.http.admin-tokens");
        assertProblem(api.send("DELETE", ADMIN + "/dead?all=true"), 403, "relay.http.admin-tokens");
        assertEquals("[]", admin.get(ADMIN + "/dead").body());
        // the submitting token still submits; the admin token may follow a job too
        submit("mine", "a@example.com", "still works");
        assertEquals("mine", admin.get(MAILS + "/mine").json().path("id").asText());
    }

    // --- helpers ---------------------------------------------------------------------------------

    private void submit(String id, String to, String subject) {
        ApiClient.Response r = api.postJson(MAILS, "{\"id\": \"" + id + "\", \"to\": \"" + to + "\", \"subject\": \""
                + subject + "\", \"text\": \"t\"}");
        assertEquals(202, r.status(), r.toString());
    }

    /** A complete message whose id is given in the Idempotency-Key header only (no JSON "id" to fall back on). */
    private void submitMessage(String id, String to, String subject) {
        String mime = "From: relay@example.com\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\nbody\r\n";
        ApiClient.Response r = api.post(MAILS, "message/rfc822", mime.getBytes(StandardCharsets.US_ASCII),
                "Idempotency-Key", id);
        assertEquals(202, r.status(), r.toString());
    }

    private JsonNode awaitStatus(String id, String status) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> api.get(MAILS + "/" + id).json(),
                s -> status.equals(s.path("status").asText()));
    }

    private List<String> subjects() {
        return smtp.messages().stream().map(ReceivedMessage::subject).sorted().toList();
    }

    private static JsonNode ok(ApiClient.Response r) {
        assertEquals(200, r.status(), r.toString());
        assertEquals("application/json", r.contentType(), r.toString());
        return r.json();
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.forEach(d -> ids.add(d.path("id").asText()));
        ids.sort(null);
        return ids;
    }

    private static void assertProblem(ApiClient.Response r, int status, String detailContains) {
        assertEquals(status, r.status(), r.toString());
        assertEquals("application/problem+json", r.contentType(), r.toString());
        assertTrue(r.json().path("detail").asText().contains(detailContains), "expected \"" + detailContains
                + "\" in " + r);
    }
}
