package org.outboxrelay.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API (routes/http-api.camel.yaml) over real HTTP, against the real relay and a real SMTP server:
 * what it answers, what the SMTP server receives, and what the status calls report for jobs of every channel.
 */
class HttpApiTest {

    /** Small, so that 413 is cheap to provoke; a batch of 501 small jobs still fits. */
    private static final int MAX_BYTES = 64 * 1024;
    private static final String MAILS = "/api/v1/mails";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    ApiClient api;
    LogCapture log;

    @BeforeEach
    void start() throws Exception {
        log = LogCapture.start();
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.limits.max-message-bytes", String.valueOf(MAX_BYTES));
    }

    private void startRelay() throws Exception {
        relay.start();
        api = relay.api();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            relay.close();
            smtp.close();
        } finally {
            log.close();
        }
    }

    @Test
    void jobIsAcceptedDeliveredAndItsStatusMovesFromQueuedToSent() throws Exception {
        startRelay();
        CountDownLatch smtpHeld = new CountDownLatch(1);
        smtp.holdMailFrom(smtpHeld);

        ApiClient.Response r = api.postJson(MAILS, "{\"id\": \"order-4711\", \"to\": [\"a@example.com\", \"b@example.com\"],"
                + " \"subject\": \"Over HTTP\", \"text\": \"Hello\"}");
        assertEquals(202, r.status(), r.toString());
        assertEquals("application/json", r.contentType());
        assertEquals("{\"id\":\"order-4711\",\"status\":\"queued\"}", r.body());
        assertEquals("/api/v1/mails/order-4711", r.header("Location"));
        assertNull(r.header("Authorization"), "request headers are not echoed");

        ApiClient.Response status = api.get(r.header("Location"));
        assertEquals(200, status.status());
        assertNull(status.header("Location"), "only a job just accepted is answered with where its status is");
        JsonNode queued = status.json();
        assertEquals("queued", queued.path("status").asText(), queued.toString());
        assertEquals("http", queued.path("channel").asText());
        assertEquals(0, queued.path("attempts").asInt());
        assertTrue(Instant.parse(queued.path("submittedAt").asText()).isAfter(Instant.now().minusSeconds(60)));

        smtpHeld.countDown();
        ReceivedMessage m = smtp.awaitMessage();
        assertEquals("Over HTTP", m.subject());
        assertEquals(List.of("a@example.com", "b@example.com"), m.recipients());
        JsonNode sent = awaitStatus("order-4711", "sent");
        assertEquals(m.mime().getMessageID(), sent.path("messageId").asText());
        assertTrue(sent.path("smtpReply").asText().startsWith("250"), sent.toString());
        assertEquals(1, sent.path("attempts").asInt());
        assertEquals(2, sent.path("recipients").path("accepted").asInt());
        assertEquals(0, sent.path("recipients").path("refused").size());
        assertEquals("http", relay.awaitEvent(TestRelay.status("order-4711", "sent")).path("channel").asText());

        // a complete message, its id from the Idempotency-Key header; Bcc goes in the envelope only
        String mime = "From: relay@example.com\r\nTo: c@example.com\r\nBcc: hidden@example.com\r\n"
                + "Subject: Raw over HTTP\r\n\r\nraw body\r\n";
        r = api.post(MAILS, "message/rfc822", mime.getBytes(StandardCharsets.US_ASCII), "Idempotency-Key", "raw-1");
        assertEquals(202, r.status(), r.toString());
        assertEquals("raw-1", r.json().path("id").asText());
        ReceivedMessage raw = smtp.awaitMessages(2, Duration.ofSeconds(20)).get(1);
        assertEquals("Raw over HTTP", raw.subject());
        assertEquals(List.of("c@example.com", "hidden@example.com"), raw.recipients());
        assertNull(raw.header("Bcc"));
        awaitStatus("raw-1", "sent");

        // no id at all: the relay makes one, and it is the one to ask for
        r = api.post(MAILS, "application/json; charset=UTF-8",
                "{\"to\": \"d@example.com\", \"subject\": \"No id\", \"text\": \"t\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(202, r.status(), r.toString());
        String id = r.json().path("id").asText();
        assertTrue(id.startsWith("http-"), id);
        awaitStatus(id, "sent");
        assertEquals(3, smtp.messages().size());
    }

    @Test
    void statusCoversEveryChannelDeferralsAndFailuresAndSurvivesARestart() throws Exception {
        relay.with("relay.retry.initial-delay", "2s");
        startRelay();
        smtp.refuseRecipient("nobody@example.com", 550, "5.1.1 <nobody@example.com>: Recipient address rejected");
        relay.drop("from-folder.json", "{\"id\": \"outbox-1\", \"to\": \"a@example.com\", \"subject\": \"Outbox\", \"text\": \"t\"}");
        relay.awaitEvent(TestRelay.status("outbox-1", "sent"));
        smtp.failNext(TestSmtpServer.Stage.MAIL, 451, "4.3.0 Try again later", 1);
        relay.sendJson("{\"to\": \"b@example.com\", \"subject\": \"JMS\", \"text\": \"t\"}", Map.of("jobId", "jms-1"));
        assertEquals(202, api.postJson(MAILS, "{\"id\": \"http-refused\", \"to\": \"nobody@example.com\","
                + " \"subject\": \"Refused\", \"text\": \"t\"}").status());

        JsonNode outbox = awaitStatus("outbox-1", "sent");
        assertEquals("outbox", outbox.path("channel").asText());
        JsonNode deferred = awaitStatus("jms-1", "deferred");
        assertEquals("jms", deferred.path("channel").asText());
        assertTrue(deferred.path("smtpReply").asText().startsWith("451"), deferred.toString());
        assertTrue(Instant.parse(deferred.path("nextAttemptAt").asText()).isAfter(Instant.now().minusSeconds(1)));
        assertFalse(deferred.path("reason").asText().isEmpty());
        JsonNode sentLater = awaitStatus("jms-1", "sent");
        assertEquals(2, sentLater.path("attempts").asInt());
        assertTrue(sentLater.path("nextAttemptAt").isMissingNode());
        JsonNode failed = awaitStatus("http-refused", "failed");
        assertTrue(failed.path("reason").asText().contains("nobody@example.com"), failed.toString());
        assertTrue(failed.path("smtpReply").asText().startsWith("550"), failed.toString());

        relay.restart();
        assertEquals("sent", api.get(MAILS + "/outbox-1").json().path("status").asText());
        assertEquals("sent", api.get(MAILS + "/jms-1").json().path("status").asText());
        assertEquals("failed", api.get(MAILS + "/http-refused").json().path("status").asText());

        // no token configured: every call is refused, and the log says why
        relay.with("relay.http.tokens", null).restart();
        ApiClient.Response refused = api.get(MAILS + "/outbox-1");
        assertEquals(401, refused.status(), refused.toString());
        assertEquals(401, api.postJson(MAILS, "{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}").status());
        assertTrue(log.lines().stream().anyMatch(l -> l.startsWith("WARN") && l.contains("refuses every call")
                && l.contains("relay.http.tokens is empty")), "WARN at start");
    }

    @Test
    void theSameIdIsSentOnceWhateverChannelAndHowOftenItArrives() throws Exception {
        startRelay();
        String job = "{\"id\": \"once\", \"to\": \"a@example.com\", \"subject\": \"once\", \"text\": \"t\"}";
        // the same request five times at once (a client retrying): one is accepted, the others get its status
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Future<ApiClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(pool.submit(() -> api.postJson(MAILS, job)));
        }
        int accepted = 0;
        for (Future<ApiClient.Response> answer : answers) {
            ApiClient.Response r = answer.get();
            if (r.status() == 202) {
                accepted++;
            } else {
                assertEquals(200, r.status(), r.toString());
                assertTrue(r.json().path("duplicate").asBoolean(), r.toString());
                assertEquals("once", r.json().path("id").asText());
            }
        }
        pool.shutdown();
        assertEquals(1, accepted);
        awaitStatus("once", "sent");

        ApiClient.Response again = api.postJson(MAILS, job);
        assertEquals(200, again.status(), again.toString());
        assertEquals("sent", again.json().path("status").asText());
        assertTrue(again.json().path("duplicate").asBoolean());
        assertTrue(again.json().path("messageId").asText().startsWith("<"), again.toString());
        // the same id as a raw message, over JMS, and from the outbox folder: none is sent again
        assertEquals(200, api.post(MAILS, "message/rfc822", ("From: relay@example.com\r\nTo: a@example.com\r\n"
                + "Subject: raw\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII), "Idempotency-Key", "once").status());
        relay.sendJson(job);
        relay.awaitEvent(TestRelay.status("once", "duplicate"));
        relay.drop("once.json", job);
        relay.awaitFile("failed", "once.json");

        // and a job that arrives by JMS first is a duplicate over HTTP
        relay.sendJson("{\"to\": \"b@example.com\", \"subject\": \"jms first\", \"text\": \"t\"}", Map.of("jobId", "jms-first"));
        awaitStatus("jms-first", "sent");
        ApiClient.Response jmsFirst = api.postJson(MAILS,
                "{\"id\": \"jms-first\", \"to\": \"b@example.com\", \"subject\": \"jms first\", \"text\": \"t\"}");
        assertEquals(200, jmsFirst.status(), jmsFirst.toString());
        assertEquals("jms", jmsFirst.json().path("channel").asText());
        await().during(Duration.ofMillis(500)).until(() -> smtp.messages().size() == 2);
    }

    @Test
    void batchAnswersEachJobInOrderAndOneBadJobDoesNotRejectTheOthers() throws Exception {
        startRelay();
        String batch = "["
                + "{\"id\": \"b-1\", \"to\": \"a@example.com\", \"subject\": \"First\", \"text\": \"t\"},"
                + "{\"id\": \"b-2\", \"to\": \"a@example.com\", \"text\": \"t\", \"colour\": \"red\"},"
                + "{\"id\": \"b-3\", \"from\": \"boss@elsewhere.example\", \"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"},"
                + "{\"id\": \"b-1\", \"to\": \"a@example.com\", \"subject\": \"First again\", \"text\": \"t\"},"
                + "42,"
                + "{\"to\": \"c@example.com\", \"subject\": \"Third\", \"text\": \"t\"}"
                + "]";
        ApiClient.Response r = api.postJson(MAILS + "/batch", batch);
        assertEquals(200, r.status(), r.toString());
        JsonNode results = r.json();
        assertEquals(6, results.size(), results.toString());
        assertEquals("{\"id\":\"b-1\",\"status\":\"queued\"}", results.get(0).toString());
        assertEquals(List.of("colour: is not a known field", "subject: is required unless a template gives it"),
                errors(results.get(1)));
        assertEquals(1, errors(results.get(2)).size());
        assertTrue(errors(results.get(2)).get(0).startsWith("from: From boss@elsewhere.example is not allowed"),
                results.get(2).toString());
        assertEquals("b-1", results.get(3).path("id").asText());
        assertTrue(results.get(3).path("duplicate").asBoolean(), results.get(3).toString());
        assertEquals(List.of("(job): must be a JSON object, found number"), errors(results.get(4)));
        assertEquals("queued", results.get(5).path("status").asText());
        String third = results.get(5).path("id").asText();

        List<ReceivedMessage> received = smtp.awaitMessages(2, Duration.ofSeconds(20));
        awaitStatus("b-1", "sent");
        awaitStatus(third, "sent");
        await().during(Duration.ofMillis(500)).until(() -> smtp.messages().size() == 2);
        assertEquals(List.of("First", "Third"), received.stream().map(ReceivedMessage::subject).sorted().toList());
        assertEquals(404, api.get(MAILS + "/b-2").status(), "a rejected job is not recorded");

        // the batch as a whole
        assertProblem(api.postJson(MAILS + "/batch", "{\"to\": \"a@example.com\"}"), 400, "must be a JSON array");
        assertProblem(api.postJson(MAILS + "/batch", "[]"), 400, "is empty");
        assertProblem(api.postJson(MAILS + "/batch", "[{\"to\": "), 400, "malformed JSON");
        StringBuilder big = new StringBuilder("[");
        for (int i = 0; i < 501; i++) {
            big.append(i == 0 ? "" : ",").append("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}");
        }
        assertProblem(api.postJson(MAILS + "/batch", big.append("]").toString()), 413, "at most 500 jobs");
        assertProblem(api.post(MAILS + "/batch", "message/rfc822", "From: a@b\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                415, "application/json");
        assertEquals(2, smtp.messages().size());
    }

    @Test
    void everyErrorIsAProblemWithoutStackTraceAndTheRelayGoesOn() throws Exception {
        startRelay();
        String good = "{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}";

        // 401: no token, a wrong one, another scheme - on every path, before anything else
        ApiClient.Response r = api.withToken(null).postJson(MAILS, good);
        assertProblem(r, 401, "Authorization: Bearer");
        assertEquals("Bearer realm=\"outbox-relay\"", r.header("WWW-Authenticate"));
        assertProblem(api.withToken("test-token-5f0c1d9e7a2b4c87").get(MAILS + "/x"), 401, "relay.http.tokens");
        assertProblem(api.withToken(null).send(api.withToken(null).request("/api/v1/openapi.json")
                .header("Authorization", "Basic " + TestRelay.API_TOKEN).GET()), 401, "Bearer");
        assertProblem(api.withToken("wrong").send("DELETE", "/api/v2/anything"), 401, "Bearer");

        // 400: each bad field named
        r = api.postJson(MAILS, "{\"to\": [\"a@example.com\", \"not an address\"], \"subject\": \"a\\nBcc: x@y\","
                + " \"text\": \"t\", \"colour\": \"red\"}");
        assertProblem(r, 400, "The mail job is invalid");
        assertEquals(List.of("colour: is not a known field", "subject: must not contain a line break (header injection)",
                "to[1]: \"not an address\" is not a valid address (Local address contains control or whitespace)"),
                errors(r.json()).stream().sorted().toList());
        assertProblem(api.postJson(MAILS, "{\"to\": \"a@example.com\", "), 400, "malformed JSON");
        assertProblem(api.postJson(MAILS, ""), 400, "(job): is empty");
        r = api.post(MAILS, "application/json", good.replace("{", "{\"id\": \"one\", ").getBytes(StandardCharsets.UTF_8),
                "Idempotency-Key", "two");
        assertProblem(r, 400, "differs from the Idempotency-Key header");
        assertEquals("id", r.json().path("errors").get(0).path("field").asText());
        assertProblem(api.postJson(MAILS, good.replace("{", "{\"id\": \"" + "x".repeat(129) + "\", ")), 400,
                "id: is longer than 128 characters");
        r = api.postJson(MAILS, good.replace("{", "{\"from\": \"someone@elsewhere.example\", "));
        assertProblem(r, 400, "is not allowed");
        assertEquals("from", r.json().path("errors").get(0).path("field").asText());
        r = api.post(MAILS, "message/rfc822", "Subject: no from\r\nTo: a@example.com\r\n\r\nbody\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertProblem(r, 400, "From: is missing");

        // 404, 405, 415
        assertProblem(api.get("/api/v1/nothing"), 404, "/api/v1/nothing");
        assertProblem(api.get("/"), 404, "openapi.json");
        assertProblem(api.get(MAILS + "/never-seen"), 404, "never-seen");
        assertProblem(api.send(api.request(MAILS + "/never-seen?id=other").header("id", "another").GET()), 404,
                "\"never-seen\"");
        r = api.get(MAILS);
        assertProblem(r, 405, "GET is not supported");
        assertEquals("POST", r.header("Allow"));
        r = api.send("DELETE", MAILS + "/x");
        assertProblem(r, 405, "DELETE");
        assertEquals("GET", r.header("Allow"));
        assertEquals("POST", api.send("PUT", MAILS + "/batch").header("Allow"));
        assertProblem(api.post(MAILS, "text/plain", "hello".getBytes(StandardCharsets.US_ASCII)), 415, "text/plain");
        assertProblem(api.post(MAILS, null, good.getBytes(StandardCharsets.UTF_8)), 415, "no Content-Type");

        // 413: the server answers as soon as it knows - from Content-Length before the body is sent, and while a
        // chunked body goes on - and reads no further
        String head = "POST /api/v1/mails HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestRelay.API_TOKEN
                + "\r\nContent-Type: application/json\r\n";
        String answer = rawHttp(head + "Content-Length: 50000000\r\n\r\n", List.of(new byte[1000]));
        assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        assertTrue(answer.contains("application/problem+json") && answer.contains("relay.limits.max-message-bytes"), answer);
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            chunks.add(("2000\r\n" + "x".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII)); // 20 x 8 KB
        }
        answer = rawHttp(head + "Transfer-Encoding: chunked\r\n\r\n", chunks);
        assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        r = api.post(MAILS, "message/rfc822", new byte[MAX_BYTES + 1]);
        assertProblem(r, 413, String.valueOf(MAX_BYTES));

        // none of it left a trace in the answers or the job store, and the relay goes on
        assertEquals(0, smtp.messages().size());
        r = api.postJson(MAILS, good);
        assertEquals(202, r.status(), r.toString());
        assertEquals("s", smtp.awaitMessage().subject());
        assertFalse(log.all().contains(TestRelay.API_TOKEN), "the token is never logged");
    }

    @Test
    void openApiDescriptionIsServedAndMatchesTheRoutes() throws Exception {
        startRelay();
        ApiClient.Response r = api.get("/api/v1/openapi.json");
        assertEquals(200, r.status(), r.toString());
        assertEquals("application/json", r.contentType());
        JsonNode doc = r.json();
        assertEquals("3.1.0", doc.path("openapi").asText());
        String base = doc.path("servers").get(0).path("url").asText();

        // every documented call reaches a route (whatever it then answers: not the gate's 404 or 405), and every
        // REST route is documented
        List<String> documented = new ArrayList<>();
        java.util.Set<String> methods = java.util.Set.of("get", "put", "post", "delete", "patch", "head", "options");
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (!methods.contains(method)) {
                return; // servers, parameters
            }
            String pathBase = org.outboxrelay.http.ApiDescription.base(path.getValue(), base);
            documented.add(method.toUpperCase() + " " + pathBase + path.getKey());
            ApiClient.Response answer = api.send(api.request(pathBase + path.getKey().replaceAll("\\{[^}]+}", "some-id"))
                    .header("Content-Type", "application/json")
                    .method(method.toUpperCase(), java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
            assertFalse(answer.status() == 405 || answer.body().contains("There is nothing at"),
                    method + " " + path.getKey() + ": " + answer);
        }));
        // the API's REST calls (the console's calls under /console are not part of the API)
        List<String> routes = relay.context().getCamelContextExtension()
                .getContextPlugin(org.apache.camel.spi.RestRegistry.class).listAllRestServices().stream()
                .filter(s -> !s.getBasePath().startsWith("/console"))
                .map(s -> s.getMethod().toUpperCase() + " " + s.getBasePath() + s.getUriTemplate()).sorted().toList();
        assertEquals(documented.stream().sorted().toList(), routes);

        // the job schema in the description is the one validation uses
        JsonNode schema = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readString(Path.of("src/main/resources/schema/mail-job.schema.json")));
        ((com.fasterxml.jackson.databind.node.ObjectNode) schema).remove("$schema");
        assertEquals(schema, doc.path("components").path("schemas").path("MailJob"));
    }

    @Test
    void plainHttpStaysHttp11WhenAClientAsksForTheH2cUpgrade() throws Exception {
        startRelay();
        // Java's HttpClient asks for the upgrade on every http:// connection, and Vert.x's switch to HTTP/2 lost
        // about 1 in 100 large answers (README "HTTP API"): the server answers such a request over HTTP/1.1
        String upgrade = "GET /api/v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TestRelay.API_TOKEN + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
        assertEquals("HTTP/1.1 200 OK", statusLine(upgrade));

        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient(); // HTTP/2 preferred
        java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + api.port() + "/api/v1/openapi.json"))
                .header("Authorization", "Bearer " + TestRelay.API_TOKEN).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(java.net.http.HttpClient.Version.HTTP_1_1, r.version());
        assertEquals("3.1.0", new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("openapi").asText());
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** The first line the server answers to {@code request}. */
    private String statusLine(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
        }
    }

    private JsonNode awaitStatus(String id, String status) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            ApiClient.Response r = api.get(MAILS + "/" + id);
            return r.status() == 200 ? r.json() : null;
        }, s -> s != null && status.equals(s.path("status").asText()));
    }

    private static List<String> errors(JsonNode problemOrItem) {
        List<String> out = new ArrayList<>();
        problemOrItem.path("errors").forEach(e -> out.add(e.path("field").asText() + ": " + e.path("message").asText()));
        return out;
    }

    @Test
    void anOversizedBodyIsAnswered413EveryTimeNotCutOffWhileItIsStillBeingSent() throws Exception {
        // the server answers from Content-Length before the body is read; the client is still sending then
        startRelay();
        for (int i = 0; i < 40; i++) {
            assertProblem(api.post(MAILS, "message/rfc822", new byte[MAX_BYTES * 2]), 413,
                    String.valueOf(MAX_BYTES));
        }
    }

    private static void assertProblem(ApiClient.Response r, int status, String detailContains) {
        assertEquals(status, r.status(), r.toString());
        assertEquals("application/problem+json", r.contentType(), r.toString());
        JsonNode p = r.json();
        assertEquals(status, p.path("status").asInt(), r.toString());
        assertFalse(p.path("title").asText().isEmpty(), r.toString());
        String text = p.path("detail").asText() + " " + errors(p);
        assertTrue(text.contains(detailContains), "expected \"" + detailContains + "\" in " + r);
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains("org.apache"),
                "no stack trace: " + r.body());
    }

    /**
     * Sends a request by hand (head, then body pieces; the server may close the connection before it has all of
     * them) and returns everything the server answered.
     */
    private String rawHttp(String head, List<byte[]> bodyPieces) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            try {
                for (byte[] piece : bodyPieces) {
                    out.write(piece);
                    out.flush();
                }
            } catch (IOException closedByServer) {
                // expected once the server has answered: it does not read the rest
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            try {
                in.transferTo(answer);
            } catch (IOException reset) {
                // a reset after the answer arrived
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
