package org.outboxrelay.bounce;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;
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
        boolean enabled = s.bool(SettingsCatalog.BOUNCES_ENABLED);
        SmtpSecurity security = s.choice(SettingsCatalog.BOUNCES_SECURITY, SmtpSecurity.class);
        String host = s.isSet(SettingsCatalog.BOUNCES_HOST) ? s.host(SettingsCatalog.BOUNCES_HOST) : null;
        int port = s.integer(SettingsCatalog.BOUNCES_PORT, security == SmtpSecurity.TLS ? 993 : 143);
        SmtpAuth auth = s.choice(SettingsCatalog.BOUNCES_AUTH, SmtpAuth.class);
        String username = s.get(SettingsCatalog.BOUNCES_USERNAME).orElse(smtpUsername);
        String password = s.get(SettingsCatalog.BOUNCES_PASSWORD).orElse(null);
        Path trustFile = s.get(SettingsCatalog.BOUNCES_TRUST_FILE).or(() -> s.get(SettingsCatalog.SMTP_TRUST_FILE)).map(Path::of)
                .orElse(null);
        String folder = s.string(SettingsCatalog.BOUNCES_FOLDER);
        String processed = s.string(SettingsCatalog.BOUNCES_PROCESSED_FOLDER);
        Duration poll = s.duration(SettingsCatalog.BOUNCES_POLL_INTERVAL);
        Duration maxAge = s.duration(SettingsCatalog.BOUNCES_MAX_AGE);
        String scope = s.string(SettingsCatalog.BOUNCES_OAUTH_SCOPE, oauth.flow() == OAuthSettings.Flow.CLIENT_CREDENTIALS
                ? oauth.scope() : OAuthSettings.IMAP_SCOPE);
        double threshold = s.decimal(SettingsCatalog.BOUNCES_RATE_THRESHOLD);
        int minimumSent = s.integer(SettingsCatalog.BOUNCES_RATE_MINIMUM_SENT);
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
                s.duration(SettingsCatalog.SMTP_CONNECT_TIMEOUT),
                s.duration(SettingsCatalog.SMTP_READ_TIMEOUT));
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
