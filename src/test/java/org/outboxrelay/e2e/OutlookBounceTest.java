package org.outboxrelay.e2e;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.user.UserImpl;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.Reports;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestTokenServer;
import org.outboxrelay.testing.Xoauth2Auth;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * relay.provider=outlook reading bounces as Outlook.com offers them: IMAPS with SASL XOAUTH2 (GreenMail, whose
 * user checks each bearer token with the local token endpoint and wants the IMAP scope), with the same OAuth
 * client and refresh token as SMTP. A sign-in made before the relay asked for IMAP keeps sending, and the reader
 * says once that `login` must be run again.
 */
class OutlookBounceTest {

    static final String IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All";
    static final String SMTP_SCOPE = "https://outlook.office.com/SMTP.Send";
    static final String ACCOUNT = "me@outlook.example";
    static final Path TLS = Path.of("src/test/resources/tls").toAbsolutePath();

    @TempDir
    Path home;
    TestTokenServer tokens;
    TestSmtpServer smtp;
    GreenMail imap;
    GreenMailUser mailbox;
    TestRelay relay;

    @BeforeEach
    void start() throws Exception {
        tokens = new TestTokenServer();
        smtp = TestSmtpServer.builder().starttls(true).auth(new Xoauth2Auth(ACCOUNT, tokens::isValid)).start();
        // IMAPS with the tests' certificate (CN=localhost), which the relay trusts through relay.bounces.trust-file
        System.setProperty("greenmail.tls.keystore.file", TLS.resolve("server.p12").toString());
        try {
            imap = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAPS));
            imap.start();
        } finally {
            System.clearProperty("greenmail.tls.keystore.file");
        }
        mailbox = imap.setUser(ACCOUNT, ACCOUNT, "no password: tokens only");
        ((UserImpl) mailbox).setTokenValidator(token -> tokens.isValidFor(token, IMAP_SCOPE));
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        imap.stop();
        smtp.close();
        tokens.close();
    }

    private TestRelay outlook(String refreshToken) throws Exception {
        Files.createDirectories(home.resolve("data/oauth"));
        Files.writeString(home.resolve("data/oauth/refresh-token"), refreshToken);
        return TestRelay.in(home)
                .with("relay.provider", "outlook")
                .with("relay.smtp.host", "localhost")
                .with("relay.smtp.port", String.valueOf(smtp.port()))
                .with("relay.smtp.trust-file", TLS.resolve("server.pem").toString())
                .with("relay.smtp.username", ACCOUNT)
                .with("relay.smtp.from", ACCOUNT)
                .with("relay.oauth.client-id", "test-client")
                .with("relay.oauth.token-url", tokens.tokenUrl())
                .with("relay.oauth.device-code-url", tokens.deviceCodeUrl())
                .with("relay.limits.messages-per-minute", "0")
                .with("relay.bounces.enabled", "true")
                // the provider presets outlook.office365.com:993, tls, xoauth2: only where it is differs here
                .with("relay.bounces.host", "localhost")
                .with("relay.bounces.port", String.valueOf(imap.getImaps().getPort()))
                .with("relay.bounces.poll-interval", "300ms");
    }

    private String sendOne() {
        relay.api().postJson("/api/v1/mails", "{\"id\": \"o-1\", \"to\": \"gone@example.net\", \"subject\": \"Hi\","
                + " \"text\": \"t\"}");
        return await().atMost(Duration.ofSeconds(30)).until(() -> relay.record("o-1") != null
                && relay.record("o-1").messageId() != null && "sent".equals(relay.record("o-1").status().id())
                ? relay.record("o-1").messageId() : null, m -> m != null);
    }

    private void deliverNdr(String messageId) throws Exception {
        byte[] ndr = Reports.about(ACCOUNT, "gone@example.net", messageId, "Hi").bytes("outlook-ndr.eml", "o-ndr");
        mailbox.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(ndr)));
    }

    @Test
    void bouncesAreReadOverImapsWithXoauth2AndTheSameSignIn() throws Exception {
        relay = outlook(tokens.issueRefreshToken()).start();
        deliverNdr(sendOne());
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.api().get("/api/v1/admin/suppression").json().size() == 1);
        assertEquals("gone@example.net", relay.api().get("/api/v1/admin/suppression").json().get(0).path("address")
                .asText());
        relay.awaitEvent(TestRelay.status("o-1", "bounced"));
        assertTrue(imap.getReceivedMessages().length == 1);
        // the refresh token rotated with every refresh (SMTP's and IMAP's), and the stored one is still good
        String stored = Files.readString(home.resolve("data/oauth/refresh-token")).trim();
        assertTrue(tokens.isLiveRefreshToken(stored), stored);
    }

    @Test
    void aSignInFromBeforeTheBounceReaderKeepsSendingAndSaysToRunLoginAgain() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            relay = outlook(tokens.issueRefreshToken(Set.of(SMTP_SCOPE))).start();
            String messageId = sendOne();
            deliverNdr(messageId);
            await().atMost(Duration.ofSeconds(30)).until(() -> log.all().contains("Run `java -jar outbox-relay.jar"
                    + " login` again"));
            String warning = log.lines().stream().filter(l -> l.contains("login` again")).findFirst().orElseThrow();
            assertTrue(warning.startsWith("WARN") && warning.contains(IMAP_SCOPE), warning);
            // a few more polls: said once
            Thread.sleep(1500);
            assertEquals(1, log.lines().stream().filter(l -> l.contains("login` again")).count(), log.all());
            assertEquals(0, relay.api().get("/api/v1/admin/suppression").json().size(), "nothing read");

            // sending goes on with the same sign-in
            relay.api().postJson("/api/v1/mails", "{\"id\": \"o-2\", \"to\": \"friend@example.net\", \"subject\":"
                    + " \"still\", \"text\": \"t\"}");
            relay.awaitEvent(TestRelay.status("o-2", "sent"));
            assertEquals(2, smtp.messages().size());
        }
    }
}
