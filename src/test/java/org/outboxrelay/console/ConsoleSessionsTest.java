package org.outboxrelay.console;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.outboxrelay.console.ConsoleSessions.Session;
import org.outboxrelay.http.BearerTokens;
import org.outboxrelay.testing.MutableClock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Console sessions without session state: a cookie signed with the install's secret from the store works on every
 * relay sharing that store, and on no other; it ends when it expires, when it is signed out (on every relay), or
 * when its admin token is taken out of the settings; a changed byte breaks it.
 */
class ConsoleSessionsTest {

    private static final String ADMIN = "admin-token-0123456789abcdef";
    private static final String OTHER_ADMIN = "another-admin-token-0123456789";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T08:00:00Z"));
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;
    private org.outboxrelay.state.StateDatabase db;
    private org.outboxrelay.state.StateDatabase otherDb;
    private javax.sql.DataSource store;

    @BeforeEach
    void store() {
        db = org.outboxrelay.state.StateDatabase.embedded(dir.resolve("one"));
        store = db.dataSource();
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        db.close();
        if (otherDb != null) {
            otherDb.close();
        }
    }

    private ConsoleSessions relay(List<String> adminTokens) {
        return new ConsoleSessions(new BearerTokens(adminTokens), adminTokens, new ConsoleSecrets(store, clock),
                Duration.ofHours(8), clock);
    }

    @Test
    void aSessionOfOneRelayWorksOnAnotherOfTheSameStore() {
        ConsoleSessions a = relay(List.of(ADMIN));
        ConsoleSessions b = relay(List.of(ADMIN));
        assertTrue(a.admits(ADMIN));
        assertFalse(a.admits("not-an-admin-token-012345"));
        String cookie = a.open(ADMIN);
        assertFalse(cookie.contains(ADMIN));
        Session s = b.verify(cookie).orElseThrow();
        assertEquals(Instant.parse("2026-11-30T16:00:00Z"), s.expiresAt());
        assertTrue(b.csrfMatches(s, a.csrfToken(a.verify(cookie).orElseThrow())));
        assertFalse(b.csrfMatches(s, "forged"));
        assertArrayEquals(new ConsoleSecrets(store, clock).secret(), new ConsoleSecrets(store, clock).secret());

        otherDb = org.outboxrelay.state.StateDatabase.embedded(dir.resolve("other"));
        javax.sql.DataSource otherStore = otherDb.dataSource();
        ConsoleSessions elsewhere = new ConsoleSessions(new BearerTokens(List.of(ADMIN)), List.of(ADMIN),
                new ConsoleSecrets(otherStore, clock), Duration.ofHours(8), clock);
        assertTrue(elsewhere.verify(cookie).isEmpty(), "another install's secret");
    }

    @Test
    void aSessionEnds() {
        ConsoleSessions relay = relay(List.of(ADMIN, OTHER_ADMIN));
        String cookie = relay.open(ADMIN);
        clock.advance(Duration.ofHours(8).minusSeconds(1));
        assertTrue(relay.verify(cookie).isPresent());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(relay.verify(cookie).isEmpty(), "expired");

        String second = relay.open(OTHER_ADMIN);
        relay.close(relay.verify(second).orElseThrow());
        assertTrue(relay(List.of(ADMIN, OTHER_ADMIN)).verify(second).isEmpty(), "signed out, on every relay");

        String third = relay.open(ADMIN);
        assertTrue(relay(List.of(OTHER_ADMIN)).verify(third).isEmpty(), "its token is no admin token any more");
        assertTrue(relay(List.of(ADMIN)).verify(third).isPresent());
    }

    @Test
    void aChangedCookieIsRefused() {
        ConsoleSessions relay = relay(List.of(ADMIN));
        String cookie = relay.open(ADMIN);
        String[] parts = cookie.split("\\.");
        // a later expiry, with the signature kept
        String longer = String.join(".", parts[0], parts[1], String.valueOf(Long.parseLong(parts[2]) + 86400),
                parts[3], parts[4]);
        assertTrue(relay.verify(longer).isEmpty());
        byte[] sig = Base64.getUrlDecoder().decode(parts[4]);
        sig[0] ^= 1;
        assertTrue(relay.verify(String.join(".", parts[0], parts[1], parts[2], parts[3],
                Base64.getUrlEncoder().withoutPadding().encodeToString(sig))).isEmpty());
        for (String bad : new String[] {"", "v1", "v2." + cookie.substring(3), cookie + ".x", "v1.a.b.c.!!!"}) {
            assertTrue(relay.verify(bad).isEmpty(), bad);
        }
        assertTrue(relay(List.of()).verify(cookie).isEmpty(), "no admin token at all");
        assertFalse(relay(List.of()).admits(ADMIN));
    }
}
