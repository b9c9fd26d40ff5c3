package org.outboxrelay.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One-click unsubscribe end to end: the link in a sent message, followed by a real HTTP client on the relay's
 * public unsubscribe port (no bearer token), suppresses exactly that recipient for that list; GET changes
 * nothing; a forged or altered token gets 403 and changes nothing; the public port serves nothing but /u/.
 */
class UnsubscribeTest {

    static final Pattern LINK = Pattern.compile("<(http://[^>]+/u/[^>]+)>");
    static final String SECRET = "test-secret-0123456789-0123456789-abcdef";
    static final HttpClient BROWSER = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    ApiClient api;
    int publicPort;

    @BeforeEach
    void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        publicPort = TestRelay.freePort();
        relay = TestRelay.forServer(home, smtp)
                .with("relay.smtp.from", "news@example.com")
                .with("relay.unsubscribe.base-url", "http://127.0.0.1:" + publicPort)
                .with("relay.unsubscribe.secret", SECRET)
                .with("relay.unsubscribe.port", String.valueOf(publicPort))
                .with("relay.unsubscribe.host", "127.0.0.1")
                .with("relay.unsubscribe.mailto", "unsubscribe@example.com")
                .start();
        api = relay.api();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    private static HttpResponse<String> call(String method, String url, String formBody) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (formBody != null) {
            b.header("Content-Type", "application/x-www-form-urlencoded")
                    .method(method, HttpRequest.BodyPublishers.ofString(formBody));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return BROWSER.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode suppressionList() {
        return api.get("/api/v1/admin/suppression").json();
    }

    private static String link(ReceivedMessage m) {
        Matcher matcher = LINK.matcher(m.header("List-Unsubscribe"));
        assertTrue(matcher.find(), m.header("List-Unsubscribe"));
        return matcher.group(1);
    }

    @Test
    void theLinkOfASentMessageUnsubscribesExactlyThatRecipientFromThatList() throws Exception {
        assertEquals(202, api.postJson("/api/v1/mails", "{\"id\": \"n-1\", \"to\": [\"ann@example.org\","
                + " \"bob@example.org\"], \"subject\": \"News\", \"text\": \"t\", \"unsubscribe\": {\"list\":"
                + " \"newsletter\"}}").status());
        List<ReceivedMessage> sent = smtp.awaitMessages(2, Duration.ofSeconds(30));
        ReceivedMessage toAnn = sent.stream().filter(m -> m.recipients().equals(List.of("ann@example.org")))
                .findFirst().orElseThrow(() -> new AssertionError("one message per recipient: " + sent));
        ReceivedMessage toBob = sent.stream().filter(m -> m.recipients().equals(List.of("bob@example.org")))
                .findFirst().orElseThrow();
        assertEquals("List-Unsubscribe=One-Click", toAnn.header("List-Unsubscribe-Post"));
        assertTrue(toAnn.header("List-Unsubscribe").contains("<mailto:unsubscribe@example.com?subject=unsubscribe%20"),
                toAnn.header("List-Unsubscribe"));
        assertEquals(toAnn.header("Message-ID"), toBob.header("Message-ID"), "the same message, one per recipient");
        String annLink = link(toAnn);
        String bobLink = link(toBob);
        assertNotEquals(annLink, bobLink);

        // GET: a page with a button, no change (scanners follow links)
        HttpResponse<String> page = call("GET", annLink, null);
        assertEquals(200, page.statusCode(), page.body());
        assertEquals(HttpClient.Version.HTTP_1_1, page.version(), "the h2c upgrade the client asked for is declined");
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("<form method=\"post\"") && page.body().contains("newsletter"), page.body());
        assertEquals(0, suppressionList().size(), "GET changes nothing");

        // forged and altered tokens: 403, no change
        String token = annLink.substring(annLink.lastIndexOf('/') + 1);
        String altered = annLink.substring(0, annLink.length() - 3)
                + (annLink.endsWith("AAA") ? "BBB" : "AAA");
        assertEquals(403, call("POST", altered, "List-Unsubscribe=One-Click").statusCode());
        String spliced = bobLink.substring(0, bobLink.lastIndexOf('.')) + token.substring(token.indexOf('.'));
        assertEquals(403, call("POST", spliced, "List-Unsubscribe=One-Click").statusCode());
        assertEquals(403, call("POST", "http://127.0.0.1:" + publicPort + "/u/forged.token", "").statusCode());
        assertEquals(0, suppressionList().size());

        // POST (RFC 8058 one-click), without any bearer token
        HttpResponse<String> done = call("POST", annLink, "List-Unsubscribe=One-Click");
        assertEquals(200, done.statusCode(), done.body());
        JsonNode list = suppressionList();
        assertEquals(1, list.size(), list.toString());
        assertEquals("ann@example.org", list.get(0).path("address").asText());
        assertEquals("newsletter", list.get(0).path("list").asText());
        assertEquals("unsubscribe", list.get(0).path("reason").asText());
        assertEquals(200, call("POST", annLink, "").statusCode(), "twice is fine");
        assertEquals(1, suppressionList().size());

        // the next newsletter goes to Bob only; other mail still reaches Ann
        api.postJson("/api/v1/mails", "{\"id\": \"n-2\", \"to\": [\"ann@example.org\", \"bob@example.org\"],"
                + " \"subject\": \"News 2\", \"text\": \"t\", \"unsubscribe\": {\"list\": \"newsletter\"}}");
        api.postJson("/api/v1/mails", "{\"id\": \"r-1\", \"to\": \"ann@example.org\", \"subject\": \"Receipt\","
                + " \"text\": \"t\"}");
        List<ReceivedMessage> later = smtp.awaitMessages(4, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.record("n-2") != null
                && relay.record("r-1") != null && "sent".equals(relay.record("n-2").status().id())
                && "sent".equals(relay.record("r-1").status().id()));
        List<String> news2 = later.stream().filter(m -> "News 2".equals(m.subject()))
                .flatMap(m -> m.recipients().stream()).toList();
        assertEquals(List.of("bob@example.org"), news2);
        assertTrue(later.stream().anyMatch(m -> "Receipt".equals(m.subject())
                && m.recipients().equals(List.of("ann@example.org"))), "another list's unsubscribe does not stop receipts");
        assertEquals(4, smtp.messages().size());
        assertEquals("unsubscribe from newsletter", api.get("/api/v1/mails/n-2").json().path("recipients")
                .path("suppressed").get(0).path("reason").asText());
    }

    @Test
    void thePublicPortServesNothingButTheLinksAndTheApiNeedsItsToken() throws Exception {
        assertEquals(404, call("GET", "http://127.0.0.1:" + publicPort + "/api/v1/admin/suppression", null)
                .statusCode());
        assertEquals(404, call("POST", "http://127.0.0.1:" + publicPort + "/api/v1/mails", "{}").statusCode());
        assertEquals(404, call("GET", "http://127.0.0.1:" + publicPort + "/observe/health", null).statusCode());
        // on the API's port /u/ needs no token either, everything else still does
        assertEquals(403, api.withToken(null).send("POST", "/u/not.valid").status());
        assertEquals(401, api.withToken(null).get("/api/v1/admin/suppression").status());
        assertFalse(call("GET", "http://127.0.0.1:" + publicPort + "/u/not.valid", null).body().contains("Exception"));
    }
}
