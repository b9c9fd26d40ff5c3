package org.outboxrelay.http;

import java.util.List;

import org.outboxrelay.config.Settings;

/**
 * relay.http.*: where the HTTP API listens ({@code host}, {@code port}; 0 takes any free port) and the bearer
 * tokens it accepts: {@code tokens} for submissions and status, {@code adminTokens} for the admin calls
 * (relay.http.admin-tokens; when unset, the same object as {@code tokens}, so every token may use them).
 * {@link #toString()} never shows a token.
 */
public record HttpApiSettings(String host, int port, BearerTokens tokens, BearerTokens adminTokens) {

    public static final int DEFAULT_PORT = 8080;

    public static HttpApiSettings from(Settings s) {
        BearerTokens tokens = tokens(s, "relay.http.tokens");
        BearerTokens adminTokens = s.list("relay.http.admin-tokens").isEmpty() ? tokens
                : tokens(s, "relay.http.admin-tokens");
        return new HttpApiSettings(s.string("relay.http.host", "0.0.0.0"),
                s.integer("relay.http.port", DEFAULT_PORT, 0, 65535), tokens, adminTokens);
    }

    /** True when the admin calls take their own tokens (relay.http.admin-tokens is set). */
    public boolean separateAdminTokens() {
        return adminTokens != tokens;
    }

    private static BearerTokens tokens(Settings s, String key) {
        List<String> tokens = s.list(key);
        for (String token : tokens) {
            String problem = BearerTokens.problemWith(token);
            if (problem != null) {
                s.problem(key, problem); // says what is wrong, never the token
            }
        }
        return new BearerTokens(tokens);
    }

    @Override
    public String toString() {
        return "HTTP API on " + host + ":" + port + " with " + tokens
                + (separateAdminTokens() ? " and " + adminTokens.size() + " admin token(s)" : "");
    }
}
