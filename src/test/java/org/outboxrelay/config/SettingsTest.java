package org.outboxrelay.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.SmtpSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private static Settings of(Map<String, String> m) {
        return new Settings(k -> Optional.ofNullable(m.get(k)));
    }

    @Test
    void durationsSizesAndChoices() {
        Settings s = of(Map.of("d1", "30s", "d2", "1h30m", "d3", "2d", "d4", "500ms", "d5", "5x", "b1", "25MB",
                "b2", "512KB", "p", "SMTP", "sec", "start-tls"));
        assertEquals(Duration.ofSeconds(30), s.duration("d1", null));
        assertEquals(Duration.ofMinutes(90), s.duration("d2", null));
        assertEquals(Duration.ofDays(2), s.duration("d3", null));
        assertEquals(Duration.ofMillis(500), s.duration("d4", null));
        assertNull(s.duration("d5", null));
        assertEquals(25L * 1024 * 1024, s.bytes("b1", 0));
        assertEquals(512L * 1024, s.bytes("b2", 0));
        assertEquals(Provider.SMTP, s.choice("p", Provider.class, null));
        s.choice("sec", SmtpSecurity.class, null);
        assertEquals(2, s.problems().size(), s.problems().toString());
        assertTrue(s.problems().get(0).startsWith("d5 must be a duration"));
        assertTrue(s.problems().get(1).contains("must be one of [starttls, tls, none]"));
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
