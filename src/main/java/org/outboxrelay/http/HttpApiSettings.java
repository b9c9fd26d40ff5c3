package org.outboxrelay.http;

import java.util.List;

import org.outboxrelay.config.Settings;

/**
 * relay.http.*: where the HTTP API listens ({@code host}, {@code port}; 0 takes any free port) and the bearer
 * tokens it accepts. {@link #toString()} never shows a token.
 */
public record HttpApiSettings(String host, int port, BearerTokens tokens) {

    public static final int DEFAULT_PORT = 8080;

    public static HttpApiSettings from(Settings s) {
        List<String> tokens = s.list("relay.http.tokens");
        for (String token : tokens) {
            String problem = BearerTokens.problemWith(token);
            if (problem != null) {
                s.problem("relay.http.tokens", problem); // says what is wrong, never the token
            }
        }
        return new HttpApiSettings(s.string("relay.http.host", "0.0.0.0"),
                s.integer("relay.http.port", DEFAULT_PORT, 0, 65535), new BearerTokens(tokens));
    }

    @Override
    public String toString() {
        return "HTTP API on " + host + ":" + port + " with " + tokens;
    }
}
