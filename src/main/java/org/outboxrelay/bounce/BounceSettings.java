package org.outboxrelay.bounce;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.outboxrelay.config.Settings;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;

/**
 * relay.bounces.*: the bounce reader - the account's mailbox over IMAP, where bounces, delay notices and
 * complaints arrive. Off unless {@code relay.bounces.enabled=true}. Providers outlook and office365 preset
 * outlook.office365.com:993 (implicit TLS) with XOAUTH2 and the same OAuth client and sign-in as SMTP; provider
 * smtp needs {@code host}, {@code username} and {@code password}. Handled reports are moved to
 * {@code processedFolder}; the mailbox is read every {@code pollInterval}, reports older than {@code maxAge} are
 * not looked at. {@code rateThreshold}: the bounce rate of the last day above which health and log warn.
 */
public record BounceSettings(boolean enabled, SmtpSecurity security, String host, int port, SmtpAuth auth,
        String username, String password, String folder, String processedFolder, Duration pollInterval,
        Duration maxAge, Path trustFile, String oauthScope, double rateThreshold, int rateMinimumSent,
        Duration connectTimeout, Duration readTimeout) {

    public static BounceSettings from(Settings s, Provider provider, OAuthSettings oauth, String smtpUsername) {
        boolean enabled = s.bool("relay.bounces.enabled", false);
        SmtpSecurity security = s.choice("relay.bounces.security", SmtpSecurity.class, SmtpSecurity.TLS);
        String host = s.get("relay.bounces.host").orElse(null);
        int port = s.integer("relay.bounces.port", security == SmtpSecurity.TLS ? 993 : 143, 1, 65535);
        SmtpAuth auth = s.choice("relay.bounces.auth", SmtpAuth.class, SmtpAuth.PASSWORD);
        String username = s.get("relay.bounces.username").orElse(smtpUsername);
        String password = s.get("relay.bounces.password").orElse(null);
        Path trustFile = s.get("relay.bounces.trust-file").or(() -> s.get("relay.smtp.trust-file")).map(Path::of)
                .orElse(null);
        String folder = s.string("relay.bounces.folder", "INBOX");
        String processed = s.string("relay.bounces.processed-folder", "Bounces");
        Duration poll = s.duration("relay.bounces.poll-interval", Duration.ofMinutes(1));
        Duration maxAge = s.duration("relay.bounces.max-age", Duration.ofDays(14));
        String scope = s.string("relay.bounces.oauth-scope", oauth.flow() == OAuthSettings.Flow.CLIENT_CREDENTIALS
                ? oauth.scope() : OAuthSettings.IMAP_SCOPE);
        double threshold = s.decimal("relay.bounces.rate-threshold", 0.05, 0, 1);
        int minimumSent = s.integer("relay.bounces.rate-minimum-sent", 20, 1, 1_000_000);
        if (enabled) {
            if (host == null) {
                s.problem("relay.bounces.host", "is required with relay.bounces.enabled=true"
                        + (provider == Provider.SMTP || provider == Provider.CAPTURE
                                ? " (the IMAP server of the account's mailbox, e.g. imap.example.com)" : ""));
            }
            if (username == null) {
                s.problem("relay.bounces.username", "is required with relay.bounces.enabled=true (the mailbox,"
                        + " by default relay.smtp.username)");
            }
            if (auth == SmtpAuth.PASSWORD && password == null) {
                s.problem("relay.bounces.password", "is required with relay.bounces.auth=password (put it in the"
                        + " environment: RELAY_BOUNCES_PASSWORD)");
            }
            if (auth == SmtpAuth.NONE) {
                s.problem("relay.bounces.auth", "must be password or xoauth2: an IMAP mailbox needs a sign-in");
            }
            if (auth == SmtpAuth.XOAUTH2 && oauth.clientId() == null) {
                s.problem("relay.oauth.client-id", "is required with relay.bounces.auth=xoauth2");
            }
            if (security == SmtpSecurity.NONE && !loopback(host)) {
                s.problem("relay.bounces.security", "is none: the mailbox's credentials would cross the network in"
                        + " clear text; use tls or starttls");
            }
            if (trustFile != null && !Files.isReadable(trustFile)) {
                s.problem("relay.bounces.trust-file", "cannot be read: " + trustFile.toAbsolutePath());
            }
            if (processed.equalsIgnoreCase(folder)) {
                s.problem("relay.bounces.processed-folder", "must differ from relay.bounces.folder");
            }
        }
        return new BounceSettings(enabled, security, host, port, auth, username, password, folder, processed, poll,
                maxAge, trustFile, scope, threshold, minimumSent,
                s.duration("relay.smtp.connect-timeout", Duration.ofSeconds(30)),
                s.duration("relay.smtp.read-timeout", Duration.ofSeconds(60)));
    }

    /** The camel-mail scheme: imaps for implicit TLS, imap otherwise (with STARTTLS required for starttls). */
    public String protocol() {
        return security == SmtpSecurity.TLS ? "imaps" : "imap";
    }

    private static boolean loopback(String host) {
        if (host == null) {
            return true;
        }
        try {
            return host.equalsIgnoreCase("localhost") || host.matches("[0-9.:]+")
                    && InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    public String describe() {
        return protocol() + "://" + host + ":" + port + "/" + folder + " as " + username + " ("
                + auth.name().toLowerCase() + ")";
    }

    @Override
    public String toString() {
        return "BounceSettings[" + (enabled ? describe() : "off") + "]"; // never the password
    }
}
