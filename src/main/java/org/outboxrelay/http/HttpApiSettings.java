package org.outboxrelay.http;

import java.util.List;

import org.outboxrelay.config.Setting;
import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.http.*: where the HTTP API listens ({@code host}, {@code port}; 0 takes any free port) and the bearer
 * tokens it accepts: {@code tokens} for submissions and status, {@code adminTokens} for the admin calls
 * (relay.http.admin-tokens; when unset, the same object as {@code tokens}, so every token may use them).
 * {@link #toString()} never shows a token.
 */
public record HttpApiSettings(String host, int port, BearerTokens tokens, BearerTokens adminTokens, HttpTls tls) {

    public static HttpApiSettings from(Settings s) {
        BearerTokens tokens = tokens(s, SettingsCatalog.HTTP_TOKENS);
        BearerTokens adminTokens = s.list(SettingsCatalog.HTTP_ADMIN_TOKENS).isEmpty() ? tokens
                : tokens(s, SettingsCatalog.HTTP_ADMIN_TOKENS);
        return new HttpApiSettings(s.host(SettingsCatalog.HTTP_HOST), s.integer(SettingsCatalog.HTTP_PORT), tokens,
                adminTokens, HttpTls.from(s));
    }

    /** "https" when the API is served over TLS, else "http". */
    public String scheme() {
        return tls != null ? "https" : "http";
    }

    /** True when the admin calls take their own tokens (relay.http.admin-tokens is set). */
    public boolean separateAdminTokens() {
        return adminTokens != tokens;
    }

    private static BearerTokens tokens(Settings s, Setting setting) {
        List<String> tokens = s.list(setting);
        for (String token : tokens) {
            String problem = BearerTokens.problemWith(token);
            if (problem != null) {
                s.problem(setting.key(), problem); // says what is wrong, never the token
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
