package org.outboxrelay.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * The API's credentials: {@code Authorization: Bearer <token>} with one of the tokens of
 * {@code relay.http.tokens}. Tokens are kept and compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, against every configured token, so the time an answer takes says nothing about
 * how much of a token was right (nor its length). With no token configured nothing is accepted. Tokens are never
 * logged and never appear in {@link #toString()}.
 */
public final class BearerTokens {

    /** Shorter tokens are refused at start: they can be guessed. */
    public static final int MIN_LENGTH = 16;

    private static final String SCHEME = "bearer ";

    private final List<byte[]> digests;

    public BearerTokens(List<String> tokens) {
        this.digests = tokens.stream().map(BearerTokens::digest).toList();
    }

    public boolean isEmpty() {
        return digests.isEmpty();
    }

    public int size() {
        return digests.size();
    }

    /** True when the value of an Authorization header carries one of the tokens. */
    public boolean accepts(String authorization) {
        if (authorization == null || digests.isEmpty()) {
            return false;
        }
        String value = authorization.trim();
        if (value.length() <= SCHEME.length()
                || !value.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME)) {
            return false;
        }
        byte[] presented = digest(value.substring(SCHEME.length()).trim());
        boolean match = false;
        for (byte[] known : digests) {
            match |= MessageDigest.isEqual(presented, known); // no early exit
        }
        return match;
    }

    /** Why a configured token cannot be used, or null when it is fine. */
    public static String problemWith(String token) {
        if (token.length() < MIN_LENGTH) {
            return "has a token of " + token.length() + " characters; use at least " + MIN_LENGTH
                    + " (e.g. from: openssl rand -hex 32)";
        }
        for (char c : token.toCharArray()) {
            if (c < 0x21 || c > 0x7e) {
                return "has a token with a space or a character that is not printable ASCII";
            }
        }
        return null;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return digests.size() + " bearer token(s)";
    }
}
