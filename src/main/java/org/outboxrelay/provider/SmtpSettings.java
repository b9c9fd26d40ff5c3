package org.outboxrelay.provider;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;
import org.outboxrelay.job.Addresses;

/**
 * The SMTP server and account the relay sends through, after the provider's presets were applied.
 * {@link #toString()} never shows the password.
 */
public record SmtpSettings(
        Provider provider,
        String host,
        int port,
        SmtpSecurity security,
        SmtpAuth auth,
        String username,
        String password,
        InternetAddress from,
        List<String> allowedFrom,
        Path trustFile,
        int maxConnections,
        int messagesPerConnection,
        Duration idleTimeout,
        Duration connectTimeout,
        Duration readTimeout,
        boolean allowPlaintextAuth,
        boolean pipelining) {

    public static SmtpSettings from(Settings s) {
        Provider provider = s.choice(SettingsCatalog.PROVIDER, Provider.class);
        SmtpSecurity security = s.choice(SettingsCatalog.SMTP_SECURITY, SmtpSecurity.class);
        String host = provider == Provider.SMTP
                ? s.required(SettingsCatalog.SMTP_HOST, "with relay.provider=smtp (the SMTP server's host name)")
                : s.string(SettingsCatalog.SMTP_HOST, "127.0.0.1");
        if (host != null && provider == Provider.SMTP) {
            host = s.host(SettingsCatalog.SMTP_HOST);
        }
        int port = s.integer(SettingsCatalog.SMTP_PORT, security.defaultPort());
        String username = s.get(SettingsCatalog.SMTP_USERNAME).orElse(null);
        SmtpAuth auth = s.choice(SettingsCatalog.SMTP_AUTH, SmtpAuth.class,
                username != null ? SmtpAuth.PASSWORD : SmtpAuth.NONE);
        String password = s.get(SettingsCatalog.SMTP_PASSWORD).orElse(null);
        if (auth == SmtpAuth.PASSWORD && (username == null || password == null)) {
            s.problem("relay.smtp.auth", "is password: set relay.smtp.username and relay.smtp.password");
        }
        InternetAddress from = null;
        String fromText = s.string(SettingsCatalog.SMTP_FROM, username != null && username.contains("@") ? username
                : "outbox-relay@localhost");
        try {
            from = Addresses.parseOne(fromText);
        } catch (AddressException e) {
            s.problem("relay.smtp.from", "is not a valid address: \"" + fromText + "\"");
        }
        List<String> allowedFrom = s.list(SettingsCatalog.SMTP_ALLOWED_FROM).stream()
                .map(a -> a.toLowerCase(Locale.ROOT)).toList();
        Path trustFile = s.path(SettingsCatalog.SMTP_TRUST_FILE);
        if (trustFile != null && !Files.isReadable(trustFile)) {
            s.problem("relay.smtp.trust-file", "cannot be read: " + trustFile.toAbsolutePath());
        }
        boolean allowPlaintextAuth = s.bool(SettingsCatalog.SMTP_ALLOW_PLAINTEXT_AUTH);
        if (security == SmtpSecurity.NONE && auth != SmtpAuth.NONE && !allowPlaintextAuth && !isLoopback(host)) {
            s.problem("relay.smtp.security", "is none but relay.smtp.auth is " + auth.name().toLowerCase()
                    + ": the credentials would cross the network in clear text. Use starttls or tls"
                    + " (or set relay.smtp.allow-plaintext-auth=true if you really must)");
        }
        return new SmtpSettings(provider, host, port, security, auth, username, password, from, allowedFrom,
                trustFile,
                s.integer(SettingsCatalog.SMTP_MAX_CONNECTIONS),
                s.integer(SettingsCatalog.SMTP_MESSAGES_PER_CONNECTION),
                s.duration(SettingsCatalog.SMTP_IDLE_TIMEOUT),
                s.duration(SettingsCatalog.SMTP_CONNECT_TIMEOUT),
                s.duration(SettingsCatalog.SMTP_READ_TIMEOUT),
                allowPlaintextAuth, s.bool(SettingsCatalog.SMTP_PIPELINING));
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return host.matches("[0-9.:]+") && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Where mail goes, for log lines: host, port, security and account, never a secret. */
    public String describe() {
        return provider.id() + " via " + host + ":" + port + " (" + security.name().toLowerCase()
                + ", auth " + auth.name().toLowerCase() + (username != null ? " as " + username : "") + ")";
    }

    @Override
    public String toString() {
        return "SmtpSettings[" + describe() + ", from=" + from + "]";
    }
}
