package org.outboxrelay.http;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BearerTokensTest {

    private static final String A = "0123456789abcdef-first";
    private static final String B = "fedcba9876543210-second";

    @Test
    void acceptsEachConfiguredTokenAsBearer() {
        BearerTokens tokens = new BearerTokens(List.of(A, B));
        assertTrue(tokens.accepts("Bearer " + A));
        assertTrue(tokens.accepts("Bearer " + B));
        assertTrue(tokens.accepts("bearer  " + B + " "), "scheme is case-insensitive, spaces around are ignored");
    }

    @Test
    void refusesAnythingElse() {
        BearerTokens tokens = new BearerTokens(List.of(A));
        assertFalse(tokens.accepts(null));
        assertFalse(tokens.accepts(""));
        assertFalse(tokens.accepts("Bearer"));
        assertFalse(tokens.accepts("Bearer "));
        assertFalse(tokens.accepts(A), "no scheme");
        assertFalse(tokens.accepts("Basic " + A));
        assertFalse(tokens.accepts("Bearer " + A.substring(1)));
        assertFalse(tokens.accepts("Bearer " + A + "x"));
        assertFalse(tokens.accepts("Bearer " + A.toUpperCase()));
    }

    @Test
    void withoutTokensNothingIsAccepted() {
        BearerTokens none = new BearerTokens(List.of());
        assertTrue(none.isEmpty());
        assertFalse(none.accepts("Bearer "));
        assertFalse(none.accepts("Bearer anything-at-all-here"));
    }

    @Test
    void weakTokensAreNamedButNeverShown() {
        assertTrue(BearerTokens.problemWith("s3cr3t").contains("6 characters"));
        assertFalse(BearerTokens.problemWith("s3cr3t").contains("s3cr3t"));
        assertTrue(BearerTokens.problemWith("a token with spaces!").contains("space"));
        assertNull(BearerTokens.problemWith(A));
        assertFalse(new BearerTokens(List.of(A)).toString().contains(A));
    }
}
