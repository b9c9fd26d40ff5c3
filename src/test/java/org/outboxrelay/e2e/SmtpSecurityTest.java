package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.util.Map;

import jakarta.mail.internet.MimeMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.InvalidSettingsException;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * STARTTLS (required, never a fall back to plain), implicit TLS, AUTH PLAIN/LOGIN, certificate and host
 * name checks, against SubEthaSMTP (STARTTLS) and GreenMail (plain and implicit TLS).
 */
class SmtpSecurityTest {

    static final String TRUST = Path.of("src/test/resources/tls/server.pem").toAbsolutePath().toString();
    static final String WRONG_HOST_TRUST = Path.of("src/test/resources/tls/wronghost.pem").toAbsolutePath().toString();
    static final String JOB = "{\"to\": \"a@example.com\", \"subject\": \"secure\", \"text\": \"t\"}";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    GreenMail greenMail;
    TestRelay relay;

    @BeforeAll
    static void greenMailUsesTheTestCertificate() {
        System.setProperty("greenmail.tls.keystore.file",
                Path.of("src/test/resources/tls/server.p12").toAbsolutePath().toString());
        System.setProperty("greenmail.tls.keystore.password", "changeit");
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (smtp != null) {
            smtp.close();
        }
        if (greenMail != null) {
            greenMail.stop();
        }
    }

    private TestRelay relayFor(int port, String security, String trustFile) {
        return TestRelay.in(home).smtp(port)
                .with("relay.smtp.host", "localhost")
                .with("relay.smtp.security", security)
                .with("relay.smtp.auth", "password")
                .with("relay.smtp.username", "relay")
                .with("relay.smtp.password", "pw")
                .with("relay.smtp.trust-file", trustFile);
    }

    @Test
    void starttlsWithLogin() throws Exception {
        smtp = TestSmtpServer.builder().starttls(true).login("relay", "pw").start();
        relay = relayFor(smtp.port(), "starttls", TRUST).start();
        relay.sendJson(JOB, Map.of("jobId", "tls-1"));
        assertEquals("secure", smtp.awaitMessage().subject());
        assertEquals(1, smtp.loginCount());
        relay.awaitEvent(TestRelay.status("tls-1", "sent"));
    }

    @Test
    void starttlsWithAuthLoginWhenThatIsAllTheServerOffers() throws Exception {
        smtp = TestSmtpServer.builder().starttls(true).loginMechanismOnly("relay", "pw").start();
        relay = relayFor(smtp.port(), "starttls", TRUST).start();
        relay.sendJson(JOB, Map.of("jobId", "tls-login"));
        assertEquals("secure", smtp.awaitMessage().subject());
        assertEquals(1, smtp.loginCount());
    }

    @Test
    void refusedSignInDefersTheJobAndItGoesOutOnceTheSignInWorks() throws Exception {
        smtp = TestSmtpServer.builder().starttls(true).login("relay", "other-password").start();
        relay = relayFor(smtp.port(), "starttls", TRUST).start();
        relay.sendJson(JOB, Map.of("jobId", "auth-1"));

        JsonNode deferred = relay.awaitEvent(TestRelay.status("auth-1", "deferred"));
        assertTrue(deferred.path("smtpReply").asText().startsWith("535"), deferred.toString());
        smtp.setCredentials((u, p) -> "relay".equals(u) && "pw".equals(p));
        assertEquals("secure", smtp.awaitMessage().subject());
        relay.awaitEvent(TestRelay.status("auth-1", "sent"));
        assertEquals(0, relay.deadLetters().size());
    }

    @Test
    void certificateForAnotherHostIsRefused() throws Exception {
        smtp = TestSmtpServer.builder().starttls(true).wrongHostCertificate().login("relay", "pw").start();
        relay = relayFor(smtp.port(), "starttls", WRONG_HOST_TRUST).start();
        relay.sendJson(JOB, Map.of("jobId", "host-1"));

        JsonNode deferred = relay.awaitEvent(TestRelay.status("host-1", "deferred"));
        assertTrue(deferred.path("reason").asText().contains("TLS"), deferred.toString());
        assertEquals(0, smtp.loginCount());
        assertEquals(0, smtp.messages().size());
    }

    @Test
    void untrustedCertificateIsRefused() throws Exception {
        smtp = TestSmtpServer.builder().starttls(true).login("relay", "pw").start();
        relay = relayFor(smtp.port(), "starttls", null).without("relay.smtp.trust-file").start();
        relay.sendJson(JOB, Map.of("jobId", "untrusted-1"));

        JsonNode deferred = relay.awaitEvent(TestRelay.status("untrusted-1", "deferred"));
        assertTrue(deferred.path("reason").asText().contains("TLS"), deferred.toString());
        assertEquals(0, smtp.loginCount());
    }

    @Test
    void serverWithoutStarttlsIsNeverUsedInPlain() throws Exception {
        smtp = TestSmtpServer.builder().login("relay", "pw").start(); // offers no STARTTLS
        relay = relayFor(smtp.port(), "starttls", TRUST).start();
        relay.sendJson(JOB, Map.of("jobId", "plain-1"));

        JsonNode deferred = relay.awaitEvent(TestRelay.status("plain-1", "deferred"));
        assertTrue(deferred.path("reason").asText().contains("STARTTLS"), deferred.toString());
        assertEquals(0, smtp.loginCount(), "the password never crossed in plain");
        assertEquals(0, smtp.transactionCount());
    }

    @Test
    void implicitTlsWithGreenMail() throws Exception {
        greenMail = new GreenMail(ServerSetup.SMTPS.dynamicPort());
        greenMail.setUser("relay@example.com", "relay", "pw");
        greenMail.start();
        relay = relayFor(greenMail.getSmtps().getPort(), "tls", TRUST).start();
        relay.sendJson(JOB, Map.of("jobId", "smtps-1"));

        assertTrue(greenMail.waitForIncomingEmail(20_000, 1));
        MimeMessage m = greenMail.getReceivedMessages()[0];
        assertEquals("secure", m.getSubject());
        relay.awaitEvent(TestRelay.status("smtps-1", "sent"));
    }

    @Test
    void plainSmtpWithLoginOnThisHostWithGreenMail() throws Exception {
        greenMail = new GreenMail(ServerSetup.SMTP.dynamicPort());
        greenMail.setUser("relay@example.com", "relay", "pw");
        greenMail.start();
        relay = relayFor(greenMail.getSmtp().getPort(), "none", null).without("relay.smtp.trust-file")
                .with("relay.smtp.host", "127.0.0.1").start();
        relay.sendJson(JOB, Map.of("jobId", "plain-auth-1"));

        assertTrue(greenMail.waitForIncomingEmail(20_000, 1));
        assertEquals("secure", greenMail.getReceivedMessages()[0].getSubject());
    }

    @Test
    void passwordInClearTextToAnotherHostIsRefusedAtStart() {
        relay = relayFor(2525, "none", null).without("relay.smtp.trust-file")
                .with("relay.smtp.host", "smtp.example.com");
        Exception e = assertThrows(Exception.class, () -> relay.start());
        InvalidSettingsException invalid = find(e);
        assertTrue(invalid.getMessage().contains("relay.smtp.security is none but relay.smtp.auth is password"),
                invalid.getMessage());
        relay = null;
    }

    private static InvalidSettingsException find(Throwable t) {
        while (t != null && !(t instanceof InvalidSettingsException)) {
            t = t.getCause();
        }
        if (t == null) {
            throw new AssertionError("no InvalidSettingsException");
        }
        return (InvalidSettingsException) t;
    }
}
