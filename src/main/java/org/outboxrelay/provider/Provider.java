package org.outboxrelay.provider;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where mail goes. A provider only presets settings: every preset can be overridden by an explicit setting
 * (except for {@code capture}, whose point is that mail goes to the relay's own local server). The routes
 * are the same for every provider.
 */
public enum Provider {

    /** The relay's own SMTP server on 127.0.0.1; messages are kept in data/captured/ and nothing leaves. */
    CAPTURE(Map.of()),

    /** Any SMTP server from relay.smtp.*. */
    SMTP(Map.of()),

    /** Outlook.com, Hotmail, live.com personal accounts: OAuth2 only, small daily quota. */
    OUTLOOK(presets(
            "relay.smtp.host", "smtp-mail.outlook.com",
            "relay.smtp.port", "587",
            "relay.smtp.security", "starttls",
            "relay.smtp.auth", "xoauth2",
            "relay.smtp.max-connections", "2",
            "relay.limits.messages-per-minute", "30",
            "relay.limits.recipients-per-message", "100",
            "relay.limits.recipients-per-day", "300",
            "relay.oauth.authority", "https://login.microsoftonline.com/consumers",
            "relay.oauth.scope", "https://outlook.office.com/SMTP.Send offline_access",
            "relay.bounces.host", "outlook.office365.com",
            "relay.bounces.port", "993",
            "relay.bounces.security", "tls",
            "relay.bounces.auth", "xoauth2",
            "relay.oauth.flow", "refresh-token")),

    /** Exchange Online (Microsoft 365) mailboxes. */
    OFFICE365(presets(
            "relay.smtp.host", "smtp.office365.com",
            "relay.smtp.port", "587",
            "relay.smtp.security", "starttls",
            "relay.smtp.auth", "xoauth2",
            "relay.smtp.max-connections", "2",
            "relay.limits.messages-per-minute", "30",
            "relay.limits.recipients-per-message", "500",
            "relay.limits.recipients-per-day", "10000",
            "relay.oauth.scope", "https://outlook.office365.com/.default",
            "relay.bounces.host", "outlook.office365.com",
            "relay.bounces.port", "993",
            "relay.bounces.security", "tls",
            "relay.bounces.auth", "xoauth2",
            "relay.oauth.flow", "client-credentials"));

    private final Map<String, String> presets;

    Provider(Map<String, String> presets) {
        this.presets = presets;
    }

    /** Settings this provider gives unless they are set explicitly. */
    public Map<String, String> presets() {
        return presets;
    }

    public String id() {
        return name().toLowerCase();
    }

    private static Map<String, String> presets(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Map.copyOf(m);
    }
}
