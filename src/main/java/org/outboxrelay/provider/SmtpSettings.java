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
        boolean allowPlaintextAuth) {

    public static SmtpSettings from(Settings s) {
        Provider provider = s.choice("relay.provider", Provider.class, Provider.CAPTURE);
        SmtpSecurity security = s.choice("relay.smtp.security", SmtpSecurity.class, SmtpSecurity.STARTTLS);
        String host = provider == Provider.SMTP
                ? s.required("relay.smtp.host", "with relay.provider=smtp (the SMTP server's host name)")
                : s.string("relay.smtp.host", "127.0.0.1");
        int port = s.integer("relay.smtp.port", security.defaultPort(), 0, 65535);
        String username = s.get("relay.smtp.username").orElse(null);
        SmtpAuth auth = s.choice("relay.smtp.auth", SmtpAuth.class,
                username != null ? SmtpAuth.PASSWORD : SmtpAuth.NONE);
        String password = s.get("relay.smtp.password").orElse(null);
        if (auth == SmtpAuth.PASSWORD && (username == null || password == null)) {
            s.problem("relay.smtp.auth", "is password: set relay.smtp.username and relay.smtp.password");
        }
        InternetAddress from = null;
        String fromText = s.string("relay.smtp.from", username != null && username.contains("@") ? username
                : "outbox-relay@localhost");
        try {
            from = Addresses.parseOne(fromText);
        } catch (AddressException e) {
            s.problem("relay.smtp.from", "is not a valid address: \"" + fromText + "\"");
        }
        List<String> allowedFrom = s.list("relay.smtp.allowed-from").stream()
                .map(a -> a.toLowerCase(Locale.ROOT)).toList();
        Path trustFile = s.get("relay.smtp.trust-file").map(Path::of).orElse(null);
        if (trustFile != null && !Files.isReadable(trustFile)) {
            s.problem("relay.smtp.trust-file", "cannot be read: " + trustFile.toAbsolutePath());
        }
        boolean allowPlaintextAuth = s.bool("relay.smtp.allow-plaintext-auth", false);
        if (security == SmtpSecurity.NONE && auth != SmtpAuth.NONE && !allowPlaintextAuth && !isLoopback(host)) {
            s.problem("relay.smtp.security", "is none but relay.smtp.auth is " + auth.name().toLowerCase()
                    + ": the credentials would cross the network in clear text. Use starttls or tls"
                    + " (or set relay.smtp.allow-plaintext-auth=true if you really must)");
        }
        return new SmtpSettings(provider, host, port, security, auth, username, password, from, allowedFrom,
                trustFile,
                s.integer("relay.smtp.max-connections", 4, 1, 100),
                s.integer("relay.smtp.messages-per-connection", 1000, 1, 100_000),
                s.duration("relay.smtp.idle-timeout", Duration.ofSeconds(30)),
                s.duration("relay.smtp.connect-timeout", Duration.ofSeconds(30)),
                s.duration("relay.smtp.read-timeout", Duration.ofSeconds(60)),
                allowPlaintextAuth);
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
