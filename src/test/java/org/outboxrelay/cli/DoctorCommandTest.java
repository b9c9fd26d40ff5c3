package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.InvalidSettingsException;
import org.outboxrelay.config.Settings;
import org.outboxrelay.testing.FaultSmtpServer;
import org.outboxrelay.testing.FaultSmtpServer.Fault;
import org.outboxrelay.testing.FaultSmtpServer.Stage;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestTokenServer;
import org.outboxrelay.testing.Xoauth2Auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code doctor} against test servers: every step OK against the STARTTLS + AUTH server, and for each way it can
 * fail, the failing step with the server's reply and the fix from the reply tables. Nothing is ever sent.
 */
class DoctorCommandTest {

    static final String TRUST = Path.of("src/test/resources/tls/server.pem").toAbsolutePath().toString();
    static final String WRONG_HOST_TRUST = Path.of("src/test/resources/tls/wronghost.pem").toAbsolutePath().toString();

    @TempDir
    Path home;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    AutoCloseable server;
    TestTokenServer tokens;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    /** Settings of a relay sending through {@code port} on localhost with STARTTLS and a password. */
    private Map<String, String> starttls(int port) {
        Map<String, String> s = new HashMap<>();
        s.put("relay.provider", "smtp");
        s.put("relay.smtp.host", "localhost");
        s.put("relay.smtp.port", String.valueOf(port));
        s.put("relay.smtp.security", "starttls");
        s.put("relay.smtp.auth", "password");
        s.put("relay.smtp.username", "relay");
        s.put("relay.smtp.password", "pw");
        s.put("relay.smtp.from", "relay@example.com");
        s.put("relay.smtp.trust-file", TRUST);
        s.put("relay.smtp.read-timeout", "2s");
        s.put("relay.data.dir", home.resolve("data").toString());
        return s;
    }

    private int doctor(Map<String, String> settings) {
        return new DoctorCommand(() -> new Settings(k -> Optional.ofNullable(settings.get(k))),
                new PrintStream(out, true, StandardCharsets.UTF_8), Clock.systemUTC()).call();
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The line of a step, e.g. "FAIL  AUTH PLAIN ...", and the lines after it (what it means, the fix). */
    private String step(String result, String name) {
        String all = output();
        int at = all.indexOf(String.format("%-4s  %-18s", result, name));
        assertTrue(at >= 0, result + " " + name + " in:\n" + all);
        return all.substring(at);
    }

    @Test
    void everyStepWorksAgainstTheStarttlsAndAuthServerAndNothingIsSent() throws Exception {
        TestSmtpServer smtp = TestSmtpServer.builder().starttls(true).login("relay", "pw").start();
        server = smtp;
        assertEquals(0, doctor(starttls(smtp.port())), output());

        String report = output();
        for (String name : new String[] {"name resolution", "TCP connection", "greeting", "EHLO", "STARTTLS",
                "TLS handshake", "EHLO (over TLS)", "AUTH PLAIN", "MAIL FROM", "RSET"}) {
            step("OK", name);
        }
        assertTrue(step("OK", "EHLO").contains("STARTTLS"), report);
        assertTrue(step("OK", "TLS handshake").contains("certificate for localhost, 127.0.0.1"), report);
        assertTrue(report.contains("All checks passed"), report);
        assertTrue(!report.contains("pw"), "no secret in the output:\n" + report);
        assertEquals(1, smtp.loginCount());
        assertEquals(0, smtp.messages().size(), "nothing was sent");
    }

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(1, doctor(starttls(port)));
        assertTrue(step("FAIL", "TCP connection").contains("relay.smtp.port"), output());
        step("OK", "name resolution");
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        FaultSmtpServer f = FaultSmtpServer.startPlain();
        server = f;
        f.always(Stage.GREETING, Fault.stall());
        Map<String, String> settings = starttls(f.port());
        settings.put("relay.smtp.read-timeout", "500ms");
        assertEquals(1, doctor(settings));
        String greeting = step("FAIL", "greeting");
        assertTrue(greeting.contains("did not answer in time"), greeting);
        assertTrue(greeting.contains("how to fix it:"), greeting);
    }

    @Test
    void aServerWithoutStarttls() throws Exception {
        FaultSmtpServer f = FaultSmtpServer.builder().login("relay", "pw").start();
        server = f;
        assertEquals(1, doctor(starttls(f.port())));
        step("OK", "EHLO");
        assertTrue(step("FAIL", "STARTTLS").contains("relay.smtp.security=tls"), output());
        assertTrue(f.sessions().stream().allMatch(s -> s.user() == null), "the password never crossed in clear");
    }

    @Test
    void anUntrustedCertificate() throws Exception {
        TestSmtpServer smtp = TestSmtpServer.builder().starttls(true).login("relay", "pw").start();
        server = smtp;
        Map<String, String> settings = starttls(smtp.port());
        settings.remove("relay.smtp.trust-file");
        assertEquals(1, doctor(settings));
        step("OK", "STARTTLS");
        assertTrue(step("FAIL", "TLS handshake").contains("relay.smtp.trust-file"), output());
        assertEquals(0, smtp.loginCount());
    }

    @Test
    void aCertificateForAnotherHostName() throws Exception {
        TestSmtpServer smtp = TestSmtpServer.builder().starttls(true).wrongHostCertificate().login("relay", "pw")
                .start();
        server = smtp;
        Map<String, String> settings = starttls(smtp.port());
        settings.put("relay.smtp.trust-file", WRONG_HOST_TRUST);
        assertEquals(1, doctor(settings));
        String tls = step("FAIL", "TLS handshake");
        assertTrue(tls.contains("No subject alternative DNS name matching localhost"), tls);
        assertTrue(tls.contains("is valid, but for another host name than relay.smtp.host"), tls);
        assertTrue(tls.contains("Set relay.smtp.host to the name the certificate is issued for"), tls);
        assertEquals(0, smtp.loginCount());
    }

    private FaultSmtpServer signInServer() {
        FaultSmtpServer f = FaultSmtpServer.builder().starttls().requireTls().login("relay", "pw").start();
        server = f;
        return f;
    }

    @Test
    void authenticationUnsuccessful() throws Exception {
        FaultSmtpServer f = signInServer();
        f.always(Stage.AUTH, Fault.reply(535, "5.7.3 Authentication unsuccessful [BN6PR03CA0021.namprd03.prod.outlook.com]"));
        assertEquals(1, doctor(starttls(f.port())));
        String auth = step("FAIL", "AUTH PLAIN");
        assertTrue(auth.startsWith("FAIL  AUTH PLAIN         535 5.7.3 Authentication unsuccessful"), auth);
        assertTrue(auth.contains("Microsoft refused the credentials or the access token"), auth);
        assertTrue(auth.contains("mailbox you signed in as with `login`"), auth);
    }

    @Test
    void smtpAuthDisabledForTheMailboxAndForTheTenant() throws Exception {
        FaultSmtpServer f = signInServer();
        f.always(Stage.AUTH, Fault.reply(535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is"
                + " disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information."));
        assertEquals(1, doctor(starttls(f.port())));
        String mailbox = step("FAIL", "AUTH PLAIN");
        assertTrue(mailbox.contains("Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false"),
                mailbox);

        out.reset();
        f.always(Stage.AUTH, Fault.reply(535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is"
                + " disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."));
        assertEquals(1, doctor(starttls(f.port())));
        String tenant = step("FAIL", "AUTH PLAIN");
        assertTrue(tenant.contains("Turn off SMTP AUTH protocol for your organization"), tenant);
        assertTrue(tenant.contains("Set-TransportConfig -SmtpClientAuthenticationDisabled $false"), tenant);
    }

    @Test
    void notSignedInBeforeMailFrom() throws Exception {
        FaultSmtpServer f = signInServer();
        Map<String, String> settings = starttls(f.port());
        settings.put("relay.smtp.auth", "none");
        settings.remove("relay.smtp.username");
        settings.remove("relay.smtp.password");
        assertEquals(1, doctor(settings));
        String mail = step("FAIL", "MAIL FROM");
        assertTrue(mail.contains("530 5.7.57 Client not authenticated to send mail"), mail);
        assertTrue(mail.contains("Set relay.smtp.auth=xoauth2"), mail);
    }

    @Test
    void senderRefused() throws Exception {
        FaultSmtpServer f = signInServer();
        f.always(Stage.MAIL, Fault.reply(550, "5.7.60 SMTP; Client does not have permissions to send as this sender"));
        assertEquals(1, doctor(starttls(f.port())));
        step("OK", "AUTH PLAIN");
        String mail = step("FAIL", "MAIL FROM");
        assertTrue(mail.contains("may not send with this From address"), mail);
        assertTrue(mail.contains("Send As"), mail);
        assertTrue(f.received().isEmpty());
    }

    @Test
    void xoauth2RefreshesTheTokenAndSaysWhenTheRefreshTokenExpires() throws Exception {
        tokens = new TestTokenServer();
        tokens.refreshTokensLiveFor(Duration.ofDays(90));
        Xoauth2Auth xoauth2 = new Xoauth2Auth("you@outlook.com", tokens::isValid);
        TestSmtpServer smtp = TestSmtpServer.builder().starttls(true).auth(xoauth2).start();
        server = smtp;
        Path tokenFile = home.resolve("data/oauth/refresh-token");
        Files.createDirectories(tokenFile.getParent());
        Files.writeString(tokenFile, tokens.issueRefreshToken());

        Map<String, String> settings = starttls(smtp.port());
        settings.put("relay.provider", "outlook");
        settings.put("relay.smtp.auth", "xoauth2");
        settings.put("relay.smtp.username", "you@outlook.com");
        settings.put("relay.smtp.from", "you@outlook.com");
        settings.remove("relay.smtp.password");
        settings.put("relay.oauth.client-id", "test-client");
        settings.put("relay.oauth.token-url", tokens.tokenUrl());
        assertEquals(0, doctor(settings), output());
        String token = step("OK", "OAuth2 token");
        assertTrue(token.contains("refresh token renewed in " + tokenFile + ", it expires 20"), token);
        step("OK", "AUTH XOAUTH2");
        assertTrue(tokens.isLiveRefreshToken(Files.readString(tokenFile).trim()), "the rotated token is kept");

        out.reset();
        tokens.refuseRefresh(true);
        assertEquals(1, doctor(settings));
        String refused = step("FAIL", "OAuth2 token");
        assertTrue(refused.contains("invalid_grant"), refused);
        assertTrue(refused.contains("Run `java -jar outbox-relay.jar login` again"), refused);
    }

    @Test
    void badSettingsExitTwoAndCaptureHasNothingToCheck() {
        Map<String, String> noHost = new HashMap<>(Map.of("relay.provider", "smtp"));
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> doctor(noHost));
        assertTrue(e.getMessage().contains("relay.smtp.host"), e.getMessage());

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setProperty("relay.provider", "smtp");
        try {
            assertEquals(2, RelayCli.execute(new String[] {"doctor"}, new PrintStream(out, true),
                    new PrintStream(err, true)));
        } finally {
            System.clearProperty("relay.provider");
        }
        assertTrue(err.toString().contains("relay.smtp.host"), err.toString());

        out.reset();
        assertEquals(0, doctor(new HashMap<>(Map.of("relay.provider", "capture"))));
        assertTrue(output().contains("nothing to check"), output());
    }
}
