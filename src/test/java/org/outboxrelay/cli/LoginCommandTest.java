package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.Settings;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestTokenServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoginCommandTest {

    @TempDir
    Path home;
    TestTokenServer tokens;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final List<Duration> waits = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        tokens = new TestTokenServer();
    }

    @AfterEach
    void stop() {
        tokens.close();
    }

    private int login(Map<String, String> settings) {
        LoginCommand command = new LoginCommand(new Settings(k -> Optional.ofNullable(settings.get(k))),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                waits::add);
        return command.run();
    }

    @Test
    void deviceCodeSignInStoresTheRefreshTokenForItsOwnerOnly() throws Exception {
        tokens.pendingPolls(2);
        Path tokenFile = home.resolve("data/oauth/refresh-token");
        int code = login(Map.of("relay.oauth.client-id", "cid", "relay.oauth.token-url", tokens.tokenUrl(),
                "relay.oauth.device-code-url", tokens.deviceCodeUrl(), "relay.oauth.token-file", tokenFile.toString()));

        assertEquals(0, code, err.toString());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("https://microsoft.com/devicelogin"), printed);
        assertTrue(printed.contains("ABCD-1234"), printed);
        assertEquals(3, waits.size(), "polled until the user was done");
        assertEquals(Duration.ofSeconds(1), waits.get(0), "at the interval the server asked for");
        String stored = Files.readString(tokenFile).trim();
        assertTrue(tokens.isLiveRefreshToken(stored));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertTrue(tokens.deviceCodeScopes().contains("https://outlook.office.com/IMAP.AccessAsUser.All"),
                "the sign-in also lets the bounce reader read the mailbox: " + tokens.deviceCodeScopes());
    }

    @Test
    void withoutAClientIdItSaysWhatToSet() {
        assertEquals(2, login(Map.of()));
        assertTrue(err.toString().contains("relay.oauth.client-id is not set"), err.toString());
    }

    @Test
    void theRelayExitsWithCode2WhenTheOutlookAccountIsNotConfigured() throws Exception {
        try (RelayProcess process = new RelayProcess(home).with("relay.provider", "outlook")) {
            RelayProcess.Exit exit = process.runToExit(Duration.ofSeconds(60));
            assertEquals(2, exit.code(), exit.output());
            assertTrue(exit.output().contains("relay.smtp.username is required with relay.smtp.auth=xoauth2"
                    + " (relay.provider=outlook)"), exit.output());
            assertTrue(exit.output().contains("relay.oauth.client-id is required"), exit.output());
        }
    }
}
