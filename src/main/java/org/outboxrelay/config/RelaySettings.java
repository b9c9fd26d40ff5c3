package org.outboxrelay.config;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.outboxrelay.broker.BrokerSettings;
import org.outboxrelay.delivery.RetryPolicy;
import org.outboxrelay.http.HttpApiSettings;
import org.outboxrelay.jvm.RelayJvm;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSettings;

/**
 * Every setting the relay reads at start, typed and checked, in one place: {@link RelayConfiguration} starts the
 * relay from it and the {@code check} command reports its problems, so both apply the same rules. Reading has no
 * side effects (no folder created, no server started); bad values are recorded on the {@link Settings}.
 */
public record RelaySettings(
        Provider provider,
        int capturePort,
        Path dataDir,
        Path outboxDir,
        SmtpSettings smtp,
        OAuthSettings oauth,
        long maxMessageBytes,
        RetryPolicy retryPolicy,
        int messagesPerMinute,
        int recipientsPerMessage,
        boolean refuseOverRecipientLimit,
        int recipientsPerDay,
        Duration pauseInitial,
        Duration pauseMax,
        BrokerSettings broker,
        int consumers,
        Duration statusRetention,
        Duration shutdownTimeout,
        Path templatesDir,
        Duration templatesUpdateDelay,
        HttpApiSettings http,
        int managementPort,
        Duration smtpProbeInterval,
        boolean auditIncludeAddresses,
        String auditMaxFileSize,
        int auditMaxFiles,
        Path attachmentsDir,
        boolean routesReload,
        Path routesDir,
        Duration memoryReleaseInterval) {

    /** relay.limits.over-recipient-limit */
    enum OverRecipientLimit { SPLIT, REFUSE }

    /** Set by the relay from other settings for the routes' placeholders; not for users to set. */
    public static final String THROTTLE_OFF = "relay.limits.throttle-off";

    /** Placeholders the relay always gives the routes a value for, whatever the user set. */
    public static final Set<String> SET_FOR_ROUTES = Set.of(THROTTLE_OFF, "relay.smtp.host", "relay.smtp.port");

    /** The relay.smtp.* values with provider capture: its own server, not the user's to override. */
    public static Map<String, String> captureSmtp(String host, int port) {
        return Map.of("relay.smtp.host", host, "relay.smtp.port", String.valueOf(port),
                "relay.smtp.security", "none", "relay.smtp.auth", "none");
    }

    /**
     * Reads every setting. With provider capture, {@code settings} must already carry {@link #captureSmtp}. The
     * problems found are on {@code settings} ({@link Settings#requireValid()}).
     */
    public static RelaySettings read(Settings settings, Clock clock) {
        Provider provider = settings.choice("relay.provider", Provider.class, Provider.CAPTURE);
        int capturePort = settings.integer("relay.capture.port", 2525, 0, 65535);
        Path dataDir = settings.path("relay.data.dir", "data");
        Path outboxDir = settings.path("relay.outbox.dir", "outbox");
        settings.integer("relay.outbox.threads", 4, 1, 64); // used by the routes only
        SmtpSettings smtp = SmtpSettings.from(settings);
        if (smtp.port() == 0) {
            settings.problem("relay.smtp.port", "must be set");
        }
        OAuthSettings oauth = OAuthSettings.from(settings, dataDir);
        if (smtp.auth() == SmtpAuth.XOAUTH2) {
            oauth.requireComplete(settings, provider, smtp.username());
        }
        long maxBytes = settings.bytes("relay.limits.max-message-bytes", 25L * 1024 * 1024);
        RetryPolicy retryPolicy = new RetryPolicy(
                settings.duration("relay.retry.initial-delay", Duration.ofSeconds(30)),
                settings.decimal("relay.retry.multiplier", 2, 1, 100),
                settings.duration("relay.retry.max-delay", Duration.ofHours(1)),
                settings.duration("relay.retry.give-up-after", Duration.ofDays(2)), clock);
        int messagesPerMinute = settings.integer("relay.limits.messages-per-minute", 0, 0, 1_000_000);
        settings.duration("relay.limits.throttle-period", Duration.ofMinutes(1)); // used by the routes only
        int recipientsPerMessage = settings.integer("relay.limits.recipients-per-message", 0, 0, 100_000);
        boolean refuseOverLimit = settings.choice("relay.limits.over-recipient-limit", OverRecipientLimit.class,
                OverRecipientLimit.SPLIT) == OverRecipientLimit.REFUSE;
        int recipientsPerDay = settings.integer("relay.limits.recipients-per-day", 0, 0, 10_000_000);
        Duration pauseInitial = settings.duration("relay.account.pause.initial", Duration.ofMinutes(1));
        Duration pauseMax = settings.duration("relay.account.pause.max", Duration.ofHours(1));
        BrokerSettings broker = BrokerSettings.from(settings, dataDir);
        int consumers = settings.integer("relay.delivery.consumers", 8, 1, 200);
        Duration retention = settings.duration("relay.status.retention", Duration.ofDays(30));
        Duration shutdownTimeout = settings.duration("relay.shutdown.timeout", Duration.ofSeconds(30));
        Path templatesDir = settings.path("relay.templates.dir", "templates");
        Duration templatesUpdateDelay = settings.duration("relay.templates.update-delay", Duration.ofSeconds(2));
        HttpApiSettings http = HttpApiSettings.from(settings);
        int managementPort = settings.integer("relay.management.port", http.port(), 0, 65535);
        Duration smtpProbeInterval = settings.duration("relay.health.smtp-probe-interval", Duration.ofSeconds(30));
        boolean auditAddresses = settings.bool("relay.audit.include-addresses", false);
        String auditFileSize = settings.string("relay.audit.max-file-size", "50MB");
        int auditFiles = settings.integer("relay.audit.max-files", 10, 1, 1000);
        settings.choice(LogFormat.KEY, LogFormat.class, LogFormat.TEXT); // applied in main (LogFormat); checked here
        settings.choice(RelayJvm.TUNING, RelayJvm.Tuning.class, RelayJvm.Tuning.AUTO); // applied in main; checked here
        Path attachmentsDir = settings.get("relay.attachments.dir").map(Path::of).orElse(null);
        boolean routesReload = settings.bool("relay.routes.reload", true);
        Path routesDir = settings.path("relay.routes.dir", "routes");
        Duration memoryReleaseInterval = settings.durationOrOff("relay.memory.release-interval",
                Duration.ofSeconds(30), Duration.ofSeconds(1));
        return new RelaySettings(provider, capturePort, dataDir, outboxDir, smtp, oauth, maxBytes, retryPolicy,
                messagesPerMinute, recipientsPerMessage, refuseOverLimit, recipientsPerDay, pauseInitial, pauseMax,
                broker, consumers, retention, shutdownTimeout, templatesDir, templatesUpdateDelay, http,
                managementPort, smtpProbeInterval, auditAddresses, auditFileSize, auditFiles, attachmentsDir,
                routesReload, routesDir, memoryReleaseInterval);
    }
}
