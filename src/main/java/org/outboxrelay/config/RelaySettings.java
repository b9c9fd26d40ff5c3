package org.outboxrelay.config;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.outboxrelay.broker.BrokerSettings;
import org.outboxrelay.delivery.RetryPolicy;
import org.outboxrelay.http.HttpApiSettings;
import org.outboxrelay.console.ConsoleSettings;
import org.outboxrelay.jvm.RelayJvm;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.state.StateSettings;

import static org.outboxrelay.config.SettingsCatalog.*;

/**
 * Every setting the relay reads at start, typed and checked, in one place: the relay's configurations start it
 * from this record and the {@code check} command reports its problems, so both apply the same rules. Kinds,
 * defaults and bounds are declared in {@link SettingsCatalog}; this adds the rules between settings. Reading has
 * no side effects (no folder created, no server started); bad values are recorded on the {@link Settings}.
 */
public record RelaySettings(
        Provider provider,
        int capturePort,
        RelayNode node,
        Path dataDir,
        Path outboxDir,
        Duration outboxMinAge,
        SmtpSettings smtp,
        OAuthSettings oauth,
        long maxMessageBytes,
        RetryPolicy retryPolicy,
        int messagesPerMinute,
        Duration throttlePeriod,
        int recipientsPerMessage,
        boolean refuseOverRecipientLimit,
        int recipientsPerDay,
        Duration pauseInitial,
        Duration pauseMax,
        BrokerSettings broker,
        StateSettings state,
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
        Duration memoryReleaseInterval,
        DeliverabilitySettings deliverability,
        long dataMinFree,
        Duration dataCheckInterval,
        ConsoleSettings console) {

    /** relay.limits.over-recipient-limit */
    enum OverRecipientLimit { SPLIT, REFUSE }

    /** Set by the relay from other settings for the routes' placeholders; not for users to set. */
    public static final String THROTTLE_OFF = "relay.limits.throttle-off";

    /** Placeholders the relay always gives the routes a value for, whatever the user set. */
    public static final Set<String> SET_FOR_ROUTES = Set.of(THROTTLE_OFF, "relay.smtp.host",
            "relay.smtp.port", "relay.bounces.protocol", "relay.bounces.host", "relay.bounces.port");

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
        Provider provider = settings.choice(PROVIDER, Provider.class);
        int capturePort = settings.integer(CAPTURE_PORT);
        RelayNode node = RelayNode.from(settings);
        Path dataDir = settings.path(DATA_DIR);
        Path outboxDir = settings.path(OUTBOX_DIR);
        settings.integer(OUTBOX_THREADS); // used by the routes only
        settings.integer(OUTBOX_MAX_FILES_PER_POLL);
        settings.duration(OUTBOX_POLL_INTERVAL);
        Duration outboxMinAge = settings.durationOrOff(OUTBOX_MIN_AGE);
        SmtpSettings smtp = SmtpSettings.from(settings);
        if (smtp.port() == 0) {
            settings.problem("relay.smtp.port", "must be set");
        }
        OAuthSettings oauth = OAuthSettings.from(settings, dataDir);
        if (smtp.auth() == SmtpAuth.XOAUTH2) {
            oauth.requireComplete(settings, provider, smtp.username());
        }
        long maxBytes = settings.bytes(MAX_MESSAGE_BYTES);
        RetryPolicy retryPolicy = new RetryPolicy(settings.duration(RETRY_INITIAL_DELAY),
                settings.decimal(RETRY_MULTIPLIER), settings.duration(RETRY_MAX_DELAY),
                settings.duration(RETRY_GIVE_UP_AFTER), clock);
        int messagesPerMinute = settings.integer(MESSAGES_PER_MINUTE);
        Duration throttlePeriod = settings.duration(THROTTLE_PERIOD);
        int recipientsPerMessage = settings.integer(RECIPIENTS_PER_MESSAGE);
        boolean refuseOverLimit = settings.choice(OVER_RECIPIENT_LIMIT, OverRecipientLimit.class)
                == OverRecipientLimit.REFUSE;
        int recipientsPerDay = settings.integer(RECIPIENTS_PER_DAY);
        Duration pauseInitial = settings.duration(PAUSE_INITIAL);
        Duration pauseMax = settings.duration(PAUSE_MAX);
        BrokerSettings broker = BrokerSettings.from(settings, dataDir);
        StateSettings state = StateSettings.from(settings, dataDir);
        int consumers = settings.integer(DELIVERY_CONSUMERS);
        Duration retention = settings.duration(STATUS_RETENTION);
        Duration shutdownTimeout = settings.duration(SHUTDOWN_TIMEOUT);
        Path templatesDir = settings.path(TEMPLATES_DIR);
        Duration templatesUpdateDelay = settings.duration(TEMPLATES_UPDATE_DELAY);
        HttpApiSettings http = HttpApiSettings.from(settings);
        int managementPort = settings.integer(MANAGEMENT_PORT, http.port());
        Duration smtpProbeInterval = settings.duration(HEALTH_SMTP_PROBE_INTERVAL);
        boolean auditAddresses = settings.bool(AUDIT_INCLUDE_ADDRESSES);
        String auditFileSize = settings.string(AUDIT_MAX_FILE_SIZE);
        if (Settings.parseBytes(auditFileSize) <= 0) {
            settings.problem(AUDIT_MAX_FILE_SIZE.key(), "must be a size such as 50MB or 512KB, not \"" + auditFileSize
                    + "\"");
        }
        int auditFiles = settings.integer(AUDIT_MAX_FILES);
        settings.choice(LOG_FORMAT, LogFormat.class); // applied in main (LogFormat); checked here
        settings.choice(JVM_TUNING, RelayJvm.Tuning.class); // applied in main (RelayJvm); checked here
        Path attachmentsDir = settings.path(ATTACHMENTS_DIR);
        boolean routesReload = settings.bool(ROUTES_RELOAD);
        Path routesDir = settings.path(ROUTES_DIR);
        Duration memoryReleaseInterval = settings.durationOrOff(MEMORY_RELEASE_INTERVAL);
        DeliverabilitySettings deliverability = DeliverabilitySettings.read(settings, provider, smtp, oauth, http);
        // below this much free space under data/ (or outbox/) the relay takes no work until space returns
        long dataMinFree = settings.bytes(DATA_MIN_FREE);
        Duration dataCheckInterval = settings.duration(DATA_CHECK_INTERVAL);
        ConsoleSettings console = ConsoleSettings.read(settings);
        return new RelaySettings(provider, capturePort, node, dataDir, outboxDir, outboxMinAge, smtp, oauth, maxBytes,
                retryPolicy, messagesPerMinute, throttlePeriod, recipientsPerMessage, refuseOverLimit, recipientsPerDay,
                pauseInitial, pauseMax, broker, state, consumers, retention, shutdownTimeout, templatesDir,
                templatesUpdateDelay, http, managementPort, smtpProbeInterval, auditAddresses, auditFileSize,
                auditFiles, attachmentsDir, routesReload, routesDir, memoryReleaseInterval, deliverability, dataMinFree,
                dataCheckInterval, console);
    }
}
