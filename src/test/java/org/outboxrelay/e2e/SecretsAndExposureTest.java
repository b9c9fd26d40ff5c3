package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.RelayProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secure by default: no secret setting appears in the relay's log (camel-main's start-up summary of properties
 * included, masked by the settings' declaration, not by a list), the HTTP API listens on this host only unless told
 * otherwise, and {@code data/} is readable by its owner only.
 */
class SecretsAndExposureTest {

    @TempDir
    Path dir;

    @Test
    void noSecretIsLoggedTheApiListensOnLoopbackAndDataIsOwnerOnly() throws Exception {
        List<String> secrets = List.of("api-token-3e8f2a9b7c6d5e4f", "admin-token-9a8b7c6d5e4f3a2b",
                "smtp-password-51f0", "broker-password-77aa", "oauth-secret-c0ffee", "imap-password-ab12",
                "unsubscribe-secret-0123456789abcdef0123456789");
        RelayProcess relay = new RelayProcess(dir.resolve("relay")).with("relay.capture.port", "0")
                .with("relay.memory.release-interval", "0")
                .with("relay.http.tokens", secrets.get(0))
                .with("relay.http.admin-tokens", secrets.get(1))
                .with("relay.smtp.username", "me@example.com")
                .with("relay.smtp.password", secrets.get(2))
                .with("relay.broker.listen", "127.0.0.1:" + org.outboxrelay.testing.TestRelay.freePort())
                .with("relay.broker.user", "relay")
                .with("relay.broker.password", secrets.get(3))
                .with("relay.oauth.client-secret", secrets.get(4))
                .with("relay.bounces.password", secrets.get(5))
                .with("relay.unsubscribe.base-url", "https://mail.example.com")
                .with("relay.unsubscribe.secret", secrets.get(6));
        relay.start();
        try {
            String log = Files.readString(relay.log());
            for (String secret : secrets) {
                assertFalse(log.contains(secret), "a secret in the log: " + secret);
            }
            assertTrue(log.contains("relay.http.admin-tokens = xxxxxx") || log.contains("relay.http.admin-tokens=xxxxxx"),
                    "the summary shows the setting, masked");
            assertTrue(log.contains("HTTP API on http://127.0.0.1:"), "listens on this host only by default");
            assertFalse(log.contains("0.0.0.0"), "nothing said to listen on every interface:\n" + log);
            assertEquals("rwx------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(relay.home().resolve("data"))));

            RelayProcess.Exit check = relay.runToExit(Duration.ofSeconds(90), "check");
            for (String secret : secrets) {
                assertFalse(check.output().contains(secret), "a secret in check's output: " + secret);
            }
        } finally {
            relay.close();
        }
    }
}
