package org.outboxrelay.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.JobHistory;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's HTTP side against a real relay (shipped config and routes): what a request gets without a session,
 * signing in with an admin token (and not with a token that may only submit), the cookie's flags, the security
 * headers, cross-site and CSRF-less changes refused, signing out, and the answers the page builds on.
 */
class ConsoleHttpTest {

    static final String ADMIN_TOKEN = "console-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    // one relay for all: each test uses jobs of its own
    @TempDir
    static Path home;
    private static TestSmtpServer smtp;
    private static TestRelay relay;
    private static HttpClient http;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.http.admin-tokens", ADMIN_TOKEN).start();
        JobHistory.of(relay);
        http = HttpClient.newHttpClient();
        base = "http://127.0.0.1:" + relay.api().port();
    }

    @AfterAll
    static void stop() throws Exception {
        relay.stop();
        smtp.close();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    }

    private HttpRequest.Builder post(String path, String json) {
        return get(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }

    /** Signs in; the cookie header value to send back. */
    private String signIn() throws Exception {
        HttpResponse<String> r = send(post("/console/api/session", "{\"token\": \"" + ADMIN_TOKEN + "\"}")
                .header("Origin", base).header("Sec-Fetch-Site", "same-origin"));
        assertEquals(200, r.statusCode(), r.body());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    private String csrf(String cookie) throws Exception {
        return JSON.readTree(send(get("/console/api/session").header("Cookie", cookie)).body()).path("csrf").asText();
    }

    @Test
    void withoutASessionTheConsoleGivesNothingButThePage() throws Exception {
        HttpResponse<String> page = send(get("/console/"));
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("assets/console.js"));
        assertFalse(page.body().contains("<script>"), "no inline script");
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
                && csp.contains("style-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
        assertFalse(csp.contains("unsafe-inline"), csp);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElseThrow());
        assertEquals(200, send(get("/console/assets/console.css")).statusCode());
        assertEquals(302, send(get("/console")).statusCode());

        for (String path : new String[] {"/console/api/overview", "/console/api/mails", "/console/api/mails/x",
                "/console/api/dead", "/console/api/captured", "/console/api/mails/x/eml"}) {
            HttpResponse<String> r = send(get(path));
            assertEquals(401, r.statusCode(), path);
            assertEquals("{\"status\":401,\"detail\":\"Sign in first.\"}", r.body(), path);
        }
        HttpResponse<String> forged = send(get("/console/api/overview")
                .header("Cookie", "relay_console=v1.AAAA.9999999999.BBBB.CCCC"));
        assertEquals(401, forged.statusCode());
        JsonNode session = JSON.readTree(send(get("/console/api/session")).body());
        assertFalse(session.path("signedIn").asBoolean());
        assertTrue(session.path("csrf").isMissingNode());
    }

    @Test
    void anAdminTokenSignsInATokenThatMayOnlySubmitDoesNot() throws Exception {
        HttpResponse<String> submitOnly = send(post("/console/api/session",
                "{\"token\": \"" + TestRelay.API_TOKEN + "\"}"));
        assertEquals(403, submitOnly.statusCode());
        assertTrue(submitOnly.headers().firstValue("Set-Cookie").isEmpty());
        assertEquals(403, send(post("/console/api/session", "{\"token\": \"wrong-token-0123456789\"}")).statusCode());
        assertEquals(415, send(get("/console/api/session").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + ADMIN_TOKEN))).statusCode());

        HttpResponse<String> r = send(post("/console/api/session", "{\"token\": \"" + ADMIN_TOKEN + "\"}"));
        assertEquals(200, r.statusCode(), r.body());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.startsWith("relay_console=v1."), cookie);
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console/"),
                cookie);
        assertFalse(cookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back");
        assertFalse(cookie.contains(ADMIN_TOKEN), "the token is not in the cookie");
        // behind a TLS proxy the cookie is Secure
        HttpResponse<String> tls = send(post("/console/api/session", "{\"token\": \"" + ADMIN_TOKEN + "\"}")
                .header("X-Forwarded-Proto", "https"));
        assertTrue(tls.headers().firstValue("Set-Cookie").orElseThrow().contains("; Secure"));

        String session = cookie.substring(0, cookie.indexOf(';'));
        HttpResponse<String> overview = send(get("/console/api/overview").header("Cookie", session));
        assertEquals(200, overview.statusCode(), overview.body());
        assertEquals("no-store", overview.headers().firstValue("Cache-Control").orElseThrow());
        JsonNode o = JSON.readTree(overview.body());
        assertEquals("smtp", o.path("provider").asText());
        assertTrue(o.path("flow").has("outcomes"), o.toString());
        assertEquals(0, o.path("backlog").path("queued").asInt());
        assertFalse(o.path("account").path("paused").asBoolean());
        assertEquals("none", o.path("signIn").path("method").asText());
        assertTrue(o.path("smtp").path("maxConnections").asInt() > 0);
    }

    @Test
    void changesFromAnotherSiteOrWithoutTheCsrfTokenAreRefused() throws Exception {
        String cookie = signIn();
        String csrf = csrf(cookie);
        assertFalse(csrf.isEmpty());
        relay.sendJson("{\"to\": \"nobody@example.com\", \"subject\": \"s\", \"text\": \"t\", \"colour\": \"red\"}",
                java.util.Map.of("jobId", "bad-1"));
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.deadLetters().stream()
                .anyMatch(m -> "bad-1".equals(TestRelay.jobId(m))));
        int dead = relay.deadLetters().size();

        String purge = "/console/api/dead/bad-1/purge";
        assertEquals(403, send(post(purge, "{}").header("Cookie", cookie)).statusCode(), "no CSRF token");
        assertEquals(403, send(post(purge, "{}").header("Cookie", cookie).header("X-CSRF-Token", "forged"))
                .statusCode(), "a wrong CSRF token");
        assertEquals(403, send(post(purge, "{}").header("Cookie", cookie).header("X-CSRF-Token", csrf)
                .header("Origin", "http://evil.example")).statusCode(), "another origin");
        assertEquals(403, send(post(purge, "{}").header("Cookie", cookie).header("X-CSRF-Token", csrf)
                .header("Sec-Fetch-Site", "cross-site")).statusCode(), "a cross-site fetch");
        assertEquals(405, send(get(purge).header("Cookie", cookie).DELETE()).statusCode());
        assertEquals(dead, relay.deadLetters().size(), "nothing was purged");

        HttpResponse<String> ok = send(post(purge, "{}").header("Cookie", cookie).header("X-CSRF-Token", csrf)
                .header("Origin", base).header("Sec-Fetch-Site", "same-origin"));
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("{\"purged\":1}", ok.body());
        assertEquals(dead - 1, relay.deadLetters().size());
    }

    @Test
    void aRelayWithTheConsoleOffAnswers404(@TempDir Path otherHome) throws Exception {
        try (TestRelay off = TestRelay.forServer(otherHome, smtp).with("relay.console.enabled", "false").start()) {
            String url = "http://127.0.0.1:" + off.api().port();
            for (String path : new String[] {"/console/", "/console/assets/console.js", "/console/api/session"}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(404, r.statusCode(), path);
            }
            assertEquals(202, off.api().postJson("/api/v1/mails", "{\"to\": \"a@example.com\", \"subject\": \"s\","
                    + " \"text\": \"t\"}").status(), "the API is there");
        }
    }

    @Test
    void signingOutEndsTheSessionForGood() throws Exception {
        String cookie = signIn();
        assertEquals(200, send(get("/console/api/overview").header("Cookie", cookie)).statusCode());
        HttpResponse<String> out = send(post("/console/api/session/end", "{}").header("Cookie", cookie)
                .header("X-CSRF-Token", csrf(cookie)));
        assertEquals(200, out.statusCode(), out.body());
        assertTrue(out.headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"));
        // the same cookie, kept by someone: refused
        assertEquals(401, send(get("/console/api/overview").header("Cookie", cookie)).statusCode());
    }

    @Test
    void aMailsHtmlIsServedForASandboxedFrameOnly() throws Exception {
        String cookie = signIn();
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 User unknown");
        relay.sendJson("{\"to\": \"gone@example.com\", \"subject\": \"Invoice 7\", \"text\": \"t\","
                + " \"html\": \"<p onclick='x()'>Hi<script>alert(1)</script><img src='https://tracker.example/p.gif'></p>\"}",
                java.util.Map.of("jobId", "invoice-7"));
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.deadLetters().stream()
                .anyMatch(m -> "invoice-7".equals(TestRelay.jobId(m))));

        JsonNode mail = JSON.readTree(send(get("/console/api/mails/invoice-7").header("Cookie", cookie)).body());
        assertEquals("dead-letter", mail.path("content").path("origin").asText(), mail.toString());
        JsonNode message = mail.path("content").path("message");
        assertEquals("Invoice 7", message.path("subject").asText());
        // the dead letter made into the message again has the Message-ID its attempt was sent with
        assertEquals(mail.path("job").path("messageId").asText(), message.path("messageId").asText(), mail.toString());
        assertTrue(message.path("messageId").asText().matches("<[0-9a-f]{12}\\.[0-9a-f]{20}\\.relay@.+>"),
                mail.toString());
        assertTrue(message.path("hasHtml").asBoolean());
        assertEquals(1, message.path("remoteImages").asInt());
        assertTrue(mail.path("deadLetter").path("reason").asText().contains("550"), mail.toString());

        HttpResponse<String> html = send(get("/console/api/mails/invoice-7/html").header("Cookie", cookie));
        assertEquals(200, html.statusCode());
        assertFalse(html.body().contains("<script"), html.body());
        assertFalse(html.body().contains("onclick"), html.body());
        String csp = html.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.startsWith("sandbox;") && csp.contains("img-src data:;") && !csp.contains("script-src"), csp);
        assertEquals("SAMEORIGIN", html.headers().firstValue("X-Frame-Options").orElseThrow());
        String remote = send(get("/console/api/mails/invoice-7/html?remote=true").header("Cookie", cookie)).headers()
                .firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(remote.contains("img-src data: https: http:;"), remote);

        HttpResponse<String> eml = send(get("/console/api/mails/invoice-7/eml").header("Cookie", cookie));
        assertEquals("message/rfc822", eml.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(eml.headers().firstValue("Content-Disposition").orElseThrow().startsWith("attachment;"));
        assertTrue(eml.body().contains("Subject: Invoice 7"), eml.body());
        assertEquals(404, send(get("/console/api/mails/no-such-job").header("Cookie", cookie)).statusCode());
    }

    @Test
    void theMailListSearchesTheStore() throws Exception {
        String cookie = signIn();
        JobHistory history = JobHistory.of(relay);
        // an hour ahead: newer than the jobs of the other tests
        Instant at = Instant.now().plusSeconds(3600);
        history.insertJob("list-1", "SENT", "http", "Your order 1", "jane@example.com", at.minusSeconds(30));
        history.insertJob("list-2", "SENT", "jms", "Invoice 2", "john@example.com", at.minusSeconds(20));
        history.insertJob("list-3", "FAILED", "http", "Your order 3", "jane@example.com", at.minusSeconds(10));
        String since = "&from=" + at.minusSeconds(60);

        JsonNode all = JSON.readTree(send(get("/console/api/mails").header("Cookie", cookie)).body());
        assertEquals("list-3", all.path("jobs").get(0).path("id").asText(), all.toString());
        JsonNode jane = JSON.readTree(send(get("/console/api/mails?recipient=Jane@Example.com").header("Cookie",
                cookie)).body());
        assertEquals(2, jane.path("jobs").size(), jane.toString());
        JsonNode page = JSON.readTree(send(get("/console/api/mails?limit=1&channel=http" + since).header("Cookie", cookie))
                .body());
        assertEquals(1, page.path("jobs").size());
        assertNotNull(page.path("next").textValue());
        JsonNode second = JSON.readTree(send(get("/console/api/mails?limit=1&channel=http" + since
                + "&after=" + page.path("next").asText()).header("Cookie", cookie)).body());
        assertEquals("list-1", second.path("jobs").get(0).path("id").asText(), second.toString());
        assertNull(second.path("next").textValue());
        HttpResponse<String> bad = send(get("/console/api/mails?status=lost").header("Cookie", cookie));
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("status must be one of"), bad.body());
    }
}
