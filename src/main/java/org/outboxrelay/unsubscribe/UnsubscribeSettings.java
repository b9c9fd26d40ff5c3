package org.outboxrelay.unsubscribe;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.unsubscribe.*: one-click unsubscribe (RFC 8058). {@code baseUrl} is where recipients reach the relay's
 * {@code /u/} path from the internet (https; http only for this host); {@code secret} keys the HMAC of the
 * links (at least {@value #MIN_SECRET} characters, never logged); {@code mailto} an optional address for
 * RFC 2369's mailto link; {@code port} a listener of its own for {@code /u/} only (0: the API's port), on
 * {@code host}. Off (jobs asking for it fail) until base URL and secret are set.
 */
public record UnsubscribeSettings(URI baseUrl, byte[] secret, String mailto, int port, String host) {

    public static final int MIN_SECRET = 32;

    public static UnsubscribeSettings from(Settings s, String apiHost) {
        URI base = null;
        String url = s.get(SettingsCatalog.UNSUBSCRIBE_BASE_URL).orElse(null);
        if (url != null) {
            try {
                base = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                boolean local = base.getHost() != null && (base.getHost().equals("localhost")
                        || base.getHost().startsWith("127.") || base.getHost().equals("[::1]"));
                if (base.getHost() == null || !("https".equals(base.getScheme())
                        || "http".equals(base.getScheme()) && local)) {
                    s.problem("relay.unsubscribe.base-url", "must be an https:// URL the recipients can reach,"
                            + " e.g. https://mail.example.com (mail programs only follow https one-click links),"
                            + " not \"" + url + "\"");
                    base = null;
                }
            } catch (URISyntaxException e) {
                s.problem("relay.unsubscribe.base-url", "is not a URL: \"" + url + "\"");
            }
        }
        String secretText = s.get(SettingsCatalog.UNSUBSCRIBE_SECRET).orElse(null);
        byte[] secret = null;
        if (secretText != null && secretText.length() < MIN_SECRET) {
            s.problem("relay.unsubscribe.secret", "must be at least " + MIN_SECRET + " characters long (e.g."
                    + " RELAY_UNSUBSCRIBE_SECRET=$(openssl rand -base64 48))");
        } else if (secretText != null) {
            secret = secretText.getBytes(StandardCharsets.UTF_8);
        }
        if (url != null && secretText == null) {
            s.problem("relay.unsubscribe.secret", "is required with relay.unsubscribe.base-url: at least "
                    + MIN_SECRET + " random characters that key the links (e.g. RELAY_UNSUBSCRIBE_SECRET=$(openssl"
                    + " rand -base64 48))");
        }
        String mailto = s.get(SettingsCatalog.UNSUBSCRIBE_MAILTO).orElse(null);
        if (mailto != null && !mailto.matches("[^@\\s<>]+@[^@\\s<>]+")) {
            s.problem("relay.unsubscribe.mailto", "must be a plain address such as unsubscribe@example.com");
            mailto = null;
        }
        return new UnsubscribeSettings(base, secret, mailto, s.integer(SettingsCatalog.UNSUBSCRIBE_PORT),
                s.isSet(SettingsCatalog.UNSUBSCRIBE_HOST) ? s.host(SettingsCatalog.UNSUBSCRIBE_HOST) : apiHost);
    }

    /** Base URL and secret are set: jobs may ask for one-click unsubscribe. */
    public boolean enabled() {
        return baseUrl != null && secret != null;
    }

    @Override
    public String toString() {
        return "UnsubscribeSettings[" + baseUrl + (port > 0 ? ", own port " + host + ":" + port : "") + "]";
    }
}
