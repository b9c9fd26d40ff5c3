package org.outboxrelay.console;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.outboxrelay.http.BearerTokens;

/**
 * Sessions of the console without session state: signing in with an admin token gives a cookie that carries its
 * own proof, {@code v1.<session id>.<expiry>.<token tag>.<HMAC-SHA256>}, signed with the install's secret (kept in
 * the job store, see {@link ConsoleSecrets}, so that every relay of a cluster behind one load balancer accepts the
 * cookies of the others). Nothing secret is in the cookie: the session id is random, the token tag is an HMAC of
 * the token, so a session ends when its admin token is taken out of the settings.
 * <p>
 * Signing out records the session id in the store until the session would have expired ({@link ConsoleSecrets}),
 * so a copied cookie is worthless after sign-out on every relay. Actions that change something also need the
 * session's CSRF token (an HMAC of the session id), which only the console's own pages can read.
 */
public class ConsoleSessions {

    /** The cookie's name (path /console/, HttpOnly, SameSite=Strict, Secure over TLS). */
    public static final String COOKIE = "relay_console";

    private static final String VERSION = "v1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A signed-in session: its id and when it ends. */
    public record Session(String id, Instant expiresAt) {
    }

    private final BearerTokens adminTokens;
    private final List<String> adminTokenValues;
    private final ConsoleSecrets store;
    private final Duration lifetime;
    private final Clock clock;

    /**
     * @param adminTokens      the tokens that may sign in (relay.http.admin-tokens, else relay.http.tokens)
     * @param adminTokenValues the same tokens, to tell whether the token a session was made with is still one
     * @param store            the install's secret and the signed-out sessions
     * @param lifetime         relay.console.session-timeout
     */
    public ConsoleSessions(BearerTokens adminTokens, List<String> adminTokenValues, ConsoleSecrets store,
            Duration lifetime, Clock clock) {
        this.adminTokens = adminTokens;
        this.adminTokenValues = List.copyOf(adminTokenValues);
        this.store = store;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** True when the token may use the console (an admin token). */
    public boolean admits(String token) {
        return token != null && !token.isBlank() && adminTokens.accepts("Bearer " + token.trim());
    }

    /** A new session for an admin token: the cookie's value. Call {@link #admits} first. */
    public String open(String token) {
        byte[] id = new byte[18];
        RANDOM.nextBytes(id);
        long expires = clock.instant().plus(lifetime).getEpochSecond();
        String payload = VERSION + "." + B64.encodeToString(id) + "." + expires + "." + tokenTag(token.trim());
        return payload + "." + B64.encodeToString(mac("session", payload));
    }

    /**
     * The session of a cookie value: signed by this install, not expired, made with a token that is still an admin
     * token, and not signed out.
     */
    public Optional<Session> verify(String cookie) {
        if (cookie == null) {
            return Optional.empty();
        }
        String[] parts = cookie.split("\\.");
        if (parts.length != 5 || !parts[0].equals(VERSION)) {
            return Optional.empty();
        }
        String payload = String.join(".", parts[0], parts[1], parts[2], parts[3]);
        byte[] presented;
        try {
            presented = Base64.getUrlDecoder().decode(parts[4]);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(presented, mac("session", payload))) {
            return Optional.empty();
        }
        Instant expires;
        try {
            expires = Instant.ofEpochSecond(Long.parseLong(parts[2]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(expires)) {
            return Optional.empty();
        }
        boolean tokenStillAdmin = false;
        for (String token : adminTokenValues) {
            tokenStillAdmin |= MessageDigest.isEqual(tokenTag(token).getBytes(StandardCharsets.US_ASCII),
                    parts[3].getBytes(StandardCharsets.US_ASCII));
        }
        if (!tokenStillAdmin || store.isSignedOut(parts[1])) {
            return Optional.empty();
        }
        return Optional.of(new Session(parts[1], expires));
    }

    /** The CSRF token of a session: what the console's pages send in X-CSRF-Token with every change. */
    public String csrfToken(Session session) {
        return B64.encodeToString(mac("csrf", session.id()));
    }

    public boolean csrfMatches(Session session, String presented) {
        return presented != null && MessageDigest.isEqual(csrfToken(session).getBytes(StandardCharsets.US_ASCII),
                presented.trim().getBytes(StandardCharsets.US_ASCII));
    }

    /** Ends the session on every relay that shares the store. */
    public void close(Session session) {
        store.signOut(session.id(), session.expiresAt());
    }

    /** Which token a session was made with, without saying anything about the token. */
    private String tokenTag(String token) {
        byte[] tag = mac("token", token);
        return B64.encodeToString(java.util.Arrays.copyOf(tag, 12));
    }

    private byte[] mac(String purpose, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(store.secret(), "HmacSHA256"));
            mac.update(purpose.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
