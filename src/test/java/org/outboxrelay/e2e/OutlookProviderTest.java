package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.InvalidSettingsException;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestTokenServer;
import org.outboxrelay.testing.Xoauth2Auth;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * relay.provider=outlook against a STARTTLS + XOAUTH2 test server and a local token endpoint: sign-in with
 * rotating refresh tokens, fresh tokens for new connections, and the account pause on a refused sign-in.
 */
class OutlookProviderTest {

    static final String TRUST = Path.of("src/test/resources/tls/server.pem").toAbsolutePath().toString();
    static final String ACCOUNT = "me@outlook.example";
    static final String JOB = "{\"to\": \"friend@example.com\", \"subject\": \"via outlook\", \"text\": \"t\"}";

    @TempDir
    Path home;
    TestTokenServer tokens;
    Xoauth2Auth xoauth2;
    TestSmtpServer smtp;
    TestRelay relay;
    String firstRefreshToken;

    @BeforeEach
    void start() throws Exception {
        tokens = new TestTokenServer();
        xoauth2 = new Xoauth2Auth(ACCOUNT, tokens::isValid);
        smtp = TestSmtpServer.builder().starttls(true).auth(xoauth2).start();
        firstRefreshToken = tokens.issueRefreshToken();
        Files.createDirectories(home.resolve("data/oauth"));
        Files.writeString(home.resolve("data/oauth/refresh-token"), firstRefreshToken);
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        smtp.close();
        tokens.close();
    }

    private TestRelay outlook() {
        return TestRelay.in(home)
                .with("relay.provider", "outlook")
                .with("relay.smtp.host", "localhost")
                .with("relay.smtp.port", String.valueOf(smtp.port()))
                .with("relay.smtp.trust-file", TRUST)
                .with("relay.smtp.username", ACCOUNT)
                .with("relay.smtp.from", ACCOUNT)
                .with("relay.oauth.client-id", "test-client")
                .with("relay.oauth.token-url", tokens.tokenUrl())
                .with("relay.oauth.device-code-url", tokens.deviceCodeUrl())
                .with("relay.limits.messages-per-minute", "0")
                .with("relay.account.pause.initial", "500ms")
                .with("relay.account.pause.max", "1s");
    }

    @Test
    void signsInWithXoauth2AndKeepsTheRotatedRefreshToken() throws Exception {
        relay = outlook().start();
        relay.sendJson(JOB, Map.of("jobId", "o-1"));

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(ACCOUNT, m.envelopeFrom());
        assertEquals(1, xoauth2.tokensUsed().size());
        Path file = home.resolve("data/oauth/refresh-token");
        String stored = Files.readString(file).trim();
        assertNotEquals(firstRefreshToken, stored, "rotated");
        assertTrue(tokens.isLiveRefreshToken(stored), "the stored token is the one the server issued last");
        assertFalse(tokens.isLiveRefreshToken(firstRefreshToken), "the old one no longer works");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(List.of("refresh_token"), tokens.grants());
    }

    @Test
    void aNewConnectionAfterExpiryGetsAFreshToken() throws Exception {
        tokens.accessTokensLiveFor(Duration.ofSeconds(2));
        relay = outlook().with("relay.oauth.refresh-before-expiry", "1s")
                .with("relay.smtp.messages-per-connection", "1").start();
        relay.sendJson(JOB, Map.of("jobId", "exp-1"));
        smtp.awaitMessage();
        String first = xoauth2.tokensUsed().get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> !tokens.isValid(first));

        relay.sendJson(JOB, Map.of("jobId", "exp-2"));
        smtp.awaitMessages(2, Duration.ofSeconds(20));
        assertEquals(2, xoauth2.tokensUsed().size());
        assertNotEquals(first, xoauth2.tokensUsed().get(1));
        assertEquals(2, tokens.grants().size(), "one refresh per expired token");
        assertTrue(relay.events().stream().noneMatch(e -> "deferred".equals(e.path("status").asText())),
                "never presented an expired token");
    }

    @Test
    void refusedSignInPausesTheAccountWithoutFailingJobsAndResumesByItself() throws Exception {
        xoauth2.refuseAll(true);
        relay = outlook().start();
        for (int i = 1; i <= 3; i++) {
            relay.sendJson(JOB, Map.of("jobId", "p-" + i));
        }
        // The job that signs in first is refused (535); jobs that reach the account after that find it paused and
        // are deferred without signing in, their reason naming the 535 that paused it.
        JsonNode refused = relay.awaitEvent(e -> "deferred".equals(e.path("status").asText())
                && !e.path("smtpReply").isNull());
        assertTrue(refused.path("smtpReply").asText().startsWith("535 5.7.3"), refused.toString());
        for (JsonNode deferred : relay.events()) {
            if ("deferred".equals(deferred.path("status").asText()) && deferred.path("smtpReply").isNull()) {
                assertTrue(deferred.path("reason").asText().contains("535 5.7.3"), deferred.toString());
            }
        }
        AccountPause pause = relay.context().getRegistry().lookupByNameAndType("accountPause", AccountPause.class);
        assertTrue(pause.status().paused() || pause.status().pausesInARow() > 0, pause.status().toString());
        assertTrue(pause.status().reason() == null || pause.status().reason().contains("535"));

        xoauth2.refuseAll(false); // the sign-in works again
        List<ReceivedMessage> got = smtp.awaitMessages(3, Duration.ofSeconds(30));
        assertEquals(3, got.size());
        for (int i = 1; i <= 3; i++) {
            JsonNode sent = relay.awaitEvent(TestRelay.status("p-" + i, "sent"));
            assertEquals(1, sent.path("attempt").asInt(), "waiting for the account is not an attempt");
        }
        assertEquals(0, relay.deadLetters().size());
        assertTrue(relay.events().stream().noneMatch(e -> "failed".equals(e.path("status").asText())));
        await().until(() -> pause.status().pausesInARow() == 0);
    }

    @Test
    void missingCredentialsStopTheRelayAtStartSayingWhatToSet() throws Exception {
        Files.delete(home.resolve("data/oauth/refresh-token"));
        relay = outlook().without("relay.oauth.client-id").without("relay.smtp.username").without("relay.smtp.from");
        Exception e = assertThrows(Exception.class, () -> relay.start());
        Throwable t = e;
        while (t != null && !(t instanceof InvalidSettingsException)) {
            t = t.getCause();
        }
        String message = String.valueOf(t == null ? e : t.getMessage());
        assertTrue(message.contains("relay.smtp.username is required with relay.smtp.auth=xoauth2"), message);
        assertTrue(message.contains("relay.oauth.client-id is required"), message);
        relay = null;
        assertEquals(0, smtp.connectionCount(), "never sends unauthenticated");

        relay = outlook();
        Exception noLogin = assertThrows(Exception.class, () -> relay.start());
        Throwable cause = noLogin;
        while (cause != null && !(cause instanceof InvalidSettingsException)) {
            cause = cause.getCause();
        }
        assertTrue(String.valueOf(cause).contains("run `java -jar outbox-relay.jar login`"), String.valueOf(cause));
        relay = null;
    }

    @Test
    void office365UsesTheClientCredentialsFlow() throws Exception {
        relay = outlook().with("relay.provider", "office365").with("relay.oauth.tenant", "contoso.example")
                .with("relay.oauth.client-secret", "app-secret").start();
        relay.sendJson(JOB, Map.of("jobId", "o365-1"));
        assertEquals("via outlook", smtp.awaitMessage().subject());
        assertEquals(List.of("client_credentials"), tokens.grants());
    }
}
