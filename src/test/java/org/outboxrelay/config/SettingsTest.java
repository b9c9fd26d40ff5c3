package org.outboxrelay.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.outboxrelay.ingest.OutboxReadLock;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.SmtpSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private static Settings of(Map<String, String> m) {
        return new Settings(k -> Optional.ofNullable(m.get(k)));
    }

    @Test
    void durationsSizesAndChoices() {
        Settings s = of(Map.of("relay.retry.initial-delay", "30s", "relay.retry.max-delay", "1h30m",
                "relay.retry.give-up-after", "2d", "relay.outbox.poll-interval", "500ms", "relay.outbox.min-age", "5x",
                "relay.limits.max-message-bytes", "25MB", "relay.provider", "SMTP", "relay.smtp.security", "start-tls"));
        assertEquals(Duration.ofSeconds(30), s.duration(SettingsCatalog.RETRY_INITIAL_DELAY));
        assertEquals(Duration.ofMinutes(90), s.duration(SettingsCatalog.RETRY_MAX_DELAY));
        assertEquals(Duration.ofDays(2), s.duration(SettingsCatalog.RETRY_GIVE_UP_AFTER));
        assertEquals(Duration.ofMillis(500), s.duration(SettingsCatalog.OUTBOX_POLL_INTERVAL));
        assertEquals(Duration.ofSeconds(1), s.duration(SettingsCatalog.OUTBOX_MIN_AGE), "a bad value keeps the default");
        assertEquals(25L * 1024 * 1024, s.bytes(SettingsCatalog.MAX_MESSAGE_BYTES));
        assertEquals(512L * 1024, Settings.parseBytes("512KB"));
        assertEquals(Provider.SMTP, s.choice(SettingsCatalog.PROVIDER, Provider.class));
        s.choice(SettingsCatalog.SMTP_SECURITY, SmtpSecurity.class);
        assertEquals(2, s.problems().size(), s.problems().toString());
        assertTrue(s.problems().get(0).startsWith("relay.outbox.min-age must be a duration"));
        assertTrue(s.problems().get(1).contains("must be one of [starttls, tls, none]"));
    }

    @Test
    void outboxMinAgeZeroMeansNoWaitAndTheReadLockGetsAtLeastOneMillisecond() {
        for (String zero : List.of("0", "0ms", "0s")) {
            Settings s = of(Map.of("relay.outbox.min-age", zero));
            assertEquals(Duration.ZERO, s.durationOrOff(SettingsCatalog.OUTBOX_MIN_AGE), zero);
            assertEquals(List.of(), s.problems(), zero);
        }
        // Camel's changed read lock reads 0 as "wait for two equal looks 250 ms apart", file by file
        assertEquals(1, OutboxReadLock.minAgeMillis(Duration.ZERO));
        assertEquals(1000, OutboxReadLock.minAgeMillis(Duration.ofSeconds(1)));
        assertEquals(250, OutboxReadLock.minAgeMillis(Duration.ofMillis(250)));
    }

    @Test
    void smtpProviderNeedsAHostAndCredentialsWithPasswordAuth() {
        Settings s = of(Map.of("relay.provider", "smtp", "relay.smtp.auth", "password"));
        SmtpSettings.from(s);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, s::requireValid);
        assertTrue(e.getMessage().contains("relay.smtp.host is required"), e.getMessage());
        assertTrue(e.getMessage().contains("set relay.smtp.username and relay.smtp.password"), e.getMessage());
    }

    @Test
    void portFollowsSecurityAndAuthFollowsUsername() {
        Settings s = of(Map.of("relay.provider", "smtp", "relay.smtp.host", "mail.example.com",
                "relay.smtp.security", "tls", "relay.smtp.username", "me@example.com", "relay.smtp.password", "pw"));
        SmtpSettings smtp = SmtpSettings.from(s);
        s.requireValid();
        assertEquals(465, smtp.port());
        assertEquals(SmtpAuth.PASSWORD, smtp.auth());
        assertEquals("me@example.com", smtp.from().getAddress());
        assertTrue(!smtp.toString().contains("pw"), "no password in toString");
    }

    @Test
    void memoryReleaseIsOffOrAtLeastASecondAndOutboxThreadsArePositive() {
        Map<String, String> base = Map.of("relay.provider", "smtp", "relay.smtp.host", "mail.example.com",
                "relay.smtp.security", "none");
        Settings ok = of(base).withOverrides(Map.of("relay.memory.release-interval", "0"));
        assertEquals(Duration.ZERO, RelaySettings.read(ok, java.time.Clock.systemUTC()).memoryReleaseInterval());
        assertTrue(ok.problems().isEmpty(), ok.problems().toString());

        Settings bad = of(base).withOverrides(Map.of("relay.memory.release-interval", "10ms",
                "relay.outbox.threads", "0"));
        RelaySettings.read(bad, java.time.Clock.systemUTC());
        assertTrue(bad.problems().stream().anyMatch(p -> p.startsWith("relay.memory.release-interval must be 0 (off)")),
                bad.problems().toString());
        assertTrue(bad.problems().stream().anyMatch(p -> p.startsWith("relay.outbox.threads")), bad.problems().toString());
    }
}
