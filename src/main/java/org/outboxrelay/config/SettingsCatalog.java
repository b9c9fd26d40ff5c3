package org.outboxrelay.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.outboxrelay.jvm.RelayJvm;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;

/**
 * Every setting of the relay, declared once: key, kind, default, bounds, secret or not, and what it means.
 * {@link Settings} reads values by these declarations (a key that is not declared here cannot be read), the
 * built-in defaults come from here, {@code check} knows the keys from here, secrets are masked by their
 * declaration, and tests hold {@code config/application.properties} and the README's settings table to it.
 * A provider's presets ({@link Provider}) sit between what the user set and these defaults.
 */
public final class SettingsCatalog {

    private static final Map<String, Setting> BY_KEY = new LinkedHashMap<>();

    // --- where mail goes ------------------------------------------------------------------------------------
    public static final Setting PROVIDER = choice("relay.provider", Provider.class, "capture",
            "where mail goes: `capture` (kept in `data/captured/`, nothing leaves), `smtp`, `outlook`, `office365`");
    public static final Setting CAPTURE_PORT = port("relay.capture.port", "2525",
            "port of the capture server on 127.0.0.1 (0: any free port)");
    public static final Setting NODE_ID = derived(text("relay.node.id", null,
            "this relay's name in a cluster: in events, job status, audit trail, logs and metric labels"), "the host name");

    // --- SMTP server and account ----------------------------------------------------------------------------
    public static final Setting SMTP_HOST = host("relay.smtp.host", null,
            "the SMTP server (required for provider `smtp`)");
    public static final Setting SMTP_PORT = derived(port("relay.smtp.port", null, "the SMTP server's port"), "587 starttls, 465 tls, 25 none");
    public static final Setting SMTP_SECURITY = choice("relay.smtp.security", SmtpSecurity.class, "starttls",
            "`starttls` (required, never falls back to plain), `tls` (implicit), `none`");
    public static final Setting SMTP_AUTH = derived(choice("relay.smtp.auth", SmtpAuth.class, null,
            "`password` (AUTH PLAIN/LOGIN), `xoauth2` (OAuth2), `none`"), "`password` with a username, else `none`");
    public static final Setting SMTP_USERNAME = text("relay.smtp.username", null, "the account's sign-in name");
    public static final Setting SMTP_PASSWORD = secret("relay.smtp.password", "the account's password");
    public static final Setting SMTP_FROM = derived(text("relay.smtp.from", null,
            "the account's address: default From, and the only From allowed unless `relay.smtp.allowed-from` lists more"), "the username if it is an address, else `outbox-relay@localhost`");
    public static final Setting SMTP_ALLOWED_FROM = list("relay.smtp.allowed-from",
            "other From addresses the account may send as, or `*@domain`, comma-separated");
    public static final Setting SMTP_TRUST_FILE = path("relay.smtp.trust-file", null,
            "PEM certificate(s) to trust besides the system's");
    public static final Setting SMTP_MAX_CONNECTIONS = integer("relay.smtp.max-connections", 4, 1, 100,
            "SMTP connections open at once (reused); with a shared store, across all relays together");
    public static final Setting SMTP_MESSAGES_PER_CONNECTION = integer("relay.smtp.messages-per-connection", 1000, 1,
            100_000, "messages per connection before a new one is opened");
    public static final Setting SMTP_IDLE_TIMEOUT = duration("relay.smtp.idle-timeout", "30s",
            "an unused connection is closed after this");
    public static final Setting SMTP_CONNECT_TIMEOUT = duration("relay.smtp.connect-timeout", "30s",
            "how long connecting to the SMTP server may take");
    public static final Setting SMTP_READ_TIMEOUT = duration("relay.smtp.read-timeout", "60s",
            "how long the relay waits for each reply of the SMTP server");
    public static final Setting SMTP_ALLOW_PLAINTEXT_AUTH = bool("relay.smtp.allow-plaintext-auth", false,
            "allow a password over `security=none` to another host");
    public static final Setting SMTP_PIPELINING = bool("relay.smtp.pipelining", true,
            "send MAIL FROM, RCPT TO and DATA together where the server offers PIPELINING (RFC 2920);"
                    + " `false`: one command at a time, for a server or firewall that mishandles it");

    // --- OAuth2 ---------------------------------------------------------------------------------------------
    public static final Setting OAUTH_CLIENT_ID = text("relay.oauth.client-id", null,
            "application (client) id of your app registration, for `xoauth2`");
    public static final Setting OAUTH_CLIENT_SECRET = secret("relay.oauth.client-secret",
            "client secret, for `relay.oauth.flow=client-credentials`");
    public static final Setting OAUTH_TENANT = text("relay.oauth.tenant", null,
            "Microsoft 365 tenant id or domain (office365)");
    public static final Setting OAUTH_FLOW = choice("relay.oauth.flow", OAuthSettings.Flow.class, "refresh-token",
            "`refresh-token` (personal accounts, `login` once) or `client-credentials` (Exchange Online app-only)");
    public static final Setting OAUTH_AUTHORITY = derived(httpUrl("relay.oauth.authority", null,
            "the OAuth2 authority"), "Microsoft's, for the tenant or `consumers`");
    public static final Setting OAUTH_TOKEN_URL = derived(httpUrl("relay.oauth.token-url", null, "the token endpoint"), "`<authority>/oauth2/v2.0/token`");
    public static final Setting OAUTH_DEVICE_CODE_URL = derived(httpUrl("relay.oauth.device-code-url", null,
            "the device code endpoint (`login`)"), "`<authority>/oauth2/v2.0/devicecode`");
    public static final Setting OAUTH_SCOPE = derived(text("relay.oauth.scope", null, "scopes asked for"), "SMTP.Send and offline_access (outlook)");
    public static final Setting OAUTH_TOKEN_FILE = derived(path("relay.oauth.token-file", null,
            "where `login` keeps the refresh token (owner-only)"), "`data/oauth/refresh-token`");
    public static final Setting OAUTH_REFRESH_BEFORE_EXPIRY = duration("relay.oauth.refresh-before-expiry", "5m",
            "an access token is renewed this long before it expires");

    // --- limits ---------------------------------------------------------------------------------------------
    public static final Setting MAX_MESSAGE_BYTES = size("relay.limits.max-message-bytes", "26214400",
            "largest job (file, JMS message, HTTP body); `25MB`, `512KB` also work");
    public static final Setting MESSAGES_PER_MINUTE = integer("relay.limits.messages-per-minute", 0, 0, 1_000_000,
            "messages per `relay.limits.throttle-period` for the account, across all relays (0: no limit)");
    public static final Setting THROTTLE_PERIOD = durationAtLeast("relay.limits.throttle-period", "1m",
            Duration.ofSeconds(1), "the window of `relay.limits.messages-per-minute` (shorter only for tests)");
    public static final Setting RECIPIENTS_PER_MESSAGE = integer("relay.limits.recipients-per-message", 0, 0, 100_000,
            "recipients per message (0: no limit)");
    public static final Setting OVER_RECIPIENT_LIMIT = choice("relay.limits.over-recipient-limit",
            RelaySettings.OverRecipientLimit.class, "split",
            "above `recipients-per-message`: `split` into several messages or `refuse` the job");
    public static final Setting RECIPIENTS_PER_DAY = integer("relay.limits.recipients-per-day", 0, 0, 10_000_000,
            "recipients per UTC day for the account, across restarts and relays (0: no limit)");
    public static final Setting PAUSE_INITIAL = duration("relay.account.pause.initial", "1m",
            "first account pause after an account-level failure");
    public static final Setting PAUSE_MAX = duration("relay.account.pause.max", "1h",
            "longest account pause (it doubles with each failure in a row)");

    // --- redelivery -----------------------------------------------------------------------------------------
    public static final Setting RETRY_INITIAL_DELAY = duration("relay.retry.initial-delay", "30s",
            "wait before the first retry of a transient failure");
    public static final Setting RETRY_MULTIPLIER = decimal("relay.retry.multiplier", "2", 1, 100,
            "each retry waits this many times longer");
    public static final Setting RETRY_MAX_DELAY = duration("relay.retry.max-delay", "1h", "longest wait between retries");
    public static final Setting RETRY_GIVE_UP_AFTER = duration("relay.retry.give-up-after", "2d",
            "a job still failing this long after it was accepted fails for good");

    // --- delivery and intake --------------------------------------------------------------------------------
    public static final Setting DELIVERY_CONSUMERS = integer("relay.delivery.consumers", 16, 1, 200,
            "jobs delivered at the same time by this relay, at most (an idle relay keeps one consumer)");
    public static final Setting OUTBOX_DIR = path("relay.outbox.dir", "outbox", "the outbox folder");
    public static final Setting OUTBOX_POLL_INTERVAL = duration("relay.outbox.poll-interval", "500ms",
            "how often the outbox folder is looked at");
    public static final Setting OUTBOX_MIN_AGE = duration("relay.outbox.min-age", "1s",
            "a file changed more recently is left for the next poll, but a *.json holding a complete job is"
                    + " taken at once; 0: no wait (for writers that rename)");
    public static final Setting OUTBOX_MAX_FILES_PER_POLL = integer("relay.outbox.max-files-per-poll", 1000, 1, 100_000,
            "files taken per poll, in name order");
    public static final Setting OUTBOX_THREADS = integer("relay.outbox.threads", 8, 1, 64,
            "outbox files checked and queued at the same time");
    public static final Setting DATA_DIR = path("relay.data.dir", "data",
            "broker journal, embedded job store, captured mail, tokens, logs");
    public static final Setting DATA_MIN_FREE = size("relay.data.min-free", "100MB",
            "below this much free space under `data/` or `outbox/` the relay takes no work until space returns");
    public static final Setting DATA_CHECK_INTERVAL = duration("relay.data.check-interval", "5s",
            "how often the free space is looked at");
    public static final Setting ATTACHMENTS_DIR = path("relay.attachments.dir", null,
            "folder for attachments given by `path` (off when empty; shared by all relays of a cluster)");
    public static final Setting STATUS_RETENTION = duration("relay.status.retention", "30d",
            "how long job statuses (and the idempotency guard) are kept");
    public static final Setting ROUTES_DIR = path("relay.routes.dir", "routes", "folder of the route files");
    public static final Setting ROUTES_RELOAD = bool("relay.routes.reload", true, "live reload of the route files");
    public static final Setting TEMPLATES_DIR = path("relay.templates.dir", "templates", "folder of the mail templates");
    public static final Setting TEMPLATES_UPDATE_DELAY = duration("relay.templates.update-delay", "2s",
            "how often a template file is checked for changes");

    // --- broker ---------------------------------------------------------------------------------------------
    public static final Setting BROKER_URL = declare(new Setting("relay.broker.url", Setting.Kind.BROKER_URL, null, null, 0, 0,
            null, false, "external Artemis broker (or an HA pair as a failover URL) instead of the embedded one"));
    public static final Setting BROKER_LISTEN = declare(new Setting("relay.broker.listen", Setting.Kind.HOST_PORT, null, null,
            0, 0, null, false, "`host:port` where the embedded broker also accepts network clients (only with a login)"));
    public static final Setting BROKER_USER = text("relay.broker.user", null,
            "applications' login of the embedded broker's network acceptor (post jobs, follow events), or the"
                    + " relay's login to the external broker");
    public static final Setting BROKER_PASSWORD = secret("relay.broker.password", "its password");
    public static final Setting BROKER_ADMIN_USER = text("relay.broker.admin-user", null,
            "operators' login of the embedded broker's network acceptor: every queue (the producer login only posts"
                    + " to `mail.jobs` and follows `mail.events`)");
    public static final Setting BROKER_ADMIN_PASSWORD = secret("relay.broker.admin-password", "its password");
    public static final Setting BROKER_MAX_DELIVERY_ATTEMPTS = integer("relay.broker.max-delivery-attempts", 10, 1, 1000,
            "broker redeliveries of a job the routes could not handle at all");

    // --- shared state ---------------------------------------------------------------------------------------
    public static final Setting STATE_URL = declare(new Setting("relay.state.url", Setting.Kind.JDBC_URL, null, null, 0, 0,
            null, false, "shared job store of several relays (`jdbc:postgresql://host/db`); empty: embedded SQLite in"
                    + " `data/state/jobs.db`"));
    public static final Setting STATE_USER = text("relay.state.user", null, "login of the shared job store");
    public static final Setting STATE_PASSWORD = secret("relay.state.password", "its password");
    public static final Setting STATE_POOL_SIZE = integer("relay.state.pool-size", 16, 2, 200,
            "connections this relay keeps to the job store (the embedded store has one more, its group commits' own)");
    public static final Setting STATE_COMMIT_DELAY = declare(new Setting("relay.state.commit-delay",
            Setting.Kind.DURATION_OR_OFF, "2ms", null, 1, 100, null, false,
            "under a burst, how long a job store write waits for other jobs' writes to share its commit (0: off)"));

    // --- deliverability: bounces, suppression, unsubscribe, DKIM ---------------------------------------------
    public static final Setting BOUNCES_ENABLED = bool("relay.bounces.enabled", false,
            "read bounce and complaint reports from the account's mailbox (IMAP)");
    public static final Setting BOUNCES_HOST = derived(host("relay.bounces.host", null, "the mailbox's IMAP server"),
            "`outlook.office365.com` (outlook, office365)");
    public static final Setting BOUNCES_PORT = derived(port("relay.bounces.port", null, "its port"),
            "993 tls, 143 otherwise");
    public static final Setting BOUNCES_SECURITY = choice("relay.bounces.security", SmtpSecurity.class, "tls",
            "`tls` (implicit), `starttls` (required), `none` (this host only)");
    public static final Setting BOUNCES_AUTH = derived(choice("relay.bounces.auth", SmtpAuth.class, "password",
            "`password` or `xoauth2` (the SMTP sign-in's OAuth2 client and token)"), "`password`; outlook: `xoauth2`");
    public static final Setting BOUNCES_USERNAME = derived(text("relay.bounces.username", null, "the mailbox"),
            "`relay.smtp.username`");
    public static final Setting BOUNCES_PASSWORD = secret("relay.bounces.password", "the mailbox's password");
    public static final Setting BOUNCES_TRUST_FILE = derived(path("relay.bounces.trust-file", null,
            "PEM certificate(s) to trust for the IMAP server"), "`relay.smtp.trust-file`");
    public static final Setting BOUNCES_OAUTH_SCOPE = derived(text("relay.bounces.oauth-scope", null,
            "OAuth2 scope for IMAP"), "IMAP.AccessAsUser.All");
    public static final Setting BOUNCES_FOLDER = text("relay.bounces.folder", "INBOX", "the folder reports arrive in");
    public static final Setting BOUNCES_PROCESSED_FOLDER = text("relay.bounces.processed-folder", "Bounces",
            "where handled reports are moved (never deleted)");
    public static final Setting BOUNCES_POLL_INTERVAL = duration("relay.bounces.poll-interval", "1m",
            "how often the mailbox is read");
    public static final Setting BOUNCES_MAX_AGE = duration("relay.bounces.max-age", "14d",
            "reports older than this are not looked at");
    public static final Setting BOUNCES_RATE_THRESHOLD = decimal("relay.bounces.rate-threshold", "0.05", 0, 1,
            "bounce rate over the last day above which health and log warn");
    public static final Setting BOUNCES_RATE_MINIMUM_SENT = integer("relay.bounces.rate-minimum-sent", 20, 1, 1_000_000,
            "messages sent in the last day before the bounce rate counts");
    public static final Setting SUPPRESSION_SOFT_BOUNCE_LIMIT = integer("relay.suppression.soft-bounce-limit", 3, 0,
            1000, "soft bounces of an address within the window that suppress it (0: never)");
    public static final Setting SUPPRESSION_SOFT_BOUNCE_WINDOW = duration("relay.suppression.soft-bounce-window", "7d",
            "the window of `relay.suppression.soft-bounce-limit`");
    public static final Setting UNSUBSCRIBE_BASE_URL = httpUrl("relay.unsubscribe.base-url", null,
            "public https URL the one-click unsubscribe links start with (off when empty)");
    public static final Setting UNSUBSCRIBE_SECRET = secret("relay.unsubscribe.secret",
            "the key of the unsubscribe links' HMAC, 32+ characters");
    public static final Setting UNSUBSCRIBE_MAILTO = text("relay.unsubscribe.mailto", null,
            "address for the mailto: unsubscribe link");
    public static final Setting UNSUBSCRIBE_PORT = port("relay.unsubscribe.port", "0",
            "serve `/u/` on a port of its own (0: on the HTTP API's port)");
    public static final Setting UNSUBSCRIBE_HOST = derived(host("relay.unsubscribe.host", null,
            "address the unsubscribe port listens on"), "`relay.http.host`");
    public static final Setting DKIM_KEYS = list("relay.dkim.keys",
            "DKIM keys of the From domains: `domain:selector:pem-file`, comma-separated (off when empty)");

    // --- HTTP API -------------------------------------------------------------------------------------------
    public static final Setting HTTP_TOKENS = secretList(list("relay.http.tokens",
            "bearer tokens of the HTTP API, comma-separated, 16+ characters each (none: every call is refused)"));
    public static final Setting HTTP_ADMIN_TOKENS = secretList(list("relay.http.admin-tokens",
            "bearer tokens for the admin calls and the console; when set, only these open them"));
    public static final Setting HTTP_PORT = port("relay.http.port", "8080", "port of the HTTP API (0: any free port)");
    public static final Setting HTTP_HOST = host("relay.http.host", "127.0.0.1",
            "address the HTTP API listens on (`0.0.0.0`: every interface)");
    public static final Setting HTTP_TLS_CERT_FILE = path("relay.http.tls.cert-file", null,
            "PEM certificate chain: the HTTP API, health, metrics and console are served over TLS (with the key)");
    public static final Setting HTTP_TLS_KEY_FILE = path("relay.http.tls.key-file", null,
            "its PKCS#8 PEM private key (readable by the relay's user only)");
    public static final Setting MANAGEMENT_PORT = derived(port("relay.management.port", null,
            "port of `/observe/health` and `/observe/metrics`"), "the HTTP API's");

    // --- operator console and the queue command's socket ------------------------------------------------------
    public static final Setting CONSOLE_ENABLED = bool("relay.console.enabled", true,
            "the operator console under `/console/` (sign-in with an admin token)");
    public static final Setting CONSOLE_SESSION_TIMEOUT = durationAtLeast("relay.console.session-timeout", "8h",
            Duration.ofMinutes(1), "how long a console session lasts after sign-in (1m to 30d)");
    public static final Setting ADMIN_SOCKET = bool("relay.admin.socket", true,
            "the admin API on the Unix socket `data/admin.sock` for the `queue` command (the relay's user only)");

    // --- operating ------------------------------------------------------------------------------------------
    public static final Setting HEALTH_SMTP_PROBE_INTERVAL = duration("relay.health.smtp-probe-interval", "30s",
            "how often readiness tries an SMTP connection itself");
    public static final Setting SHUTDOWN_TIMEOUT = duration("relay.shutdown.timeout", "30s",
            "how long jobs in flight may finish on SIGTERM");
    public static final Setting MEMORY_RELEASE_INTERVAL = declare(new Setting("relay.memory.release-interval",
            Setting.Kind.DURATION_OR_OFF, "30s", null, 1000, 0, null, false,
            "how often an idle relay gives unused heap and native memory back (0: off)"));
    public static final Setting LOG_FORMAT = choice("relay.log.format", LogFormat.class, "text",
            "`text` or `json` (console logs)");
    public static final Setting JVM_TUNING = choice(RelayJvm.TUNING, RelayJvm.Tuning.class, "auto",
            "`auto`: `java -jar` with no JVM options runs the relay in a JVM of its own with the cache made at"
            + " `mvn package`; `off`: the JVM as started");
    public static final Setting AUDIT_INCLUDE_ADDRESSES = bool("relay.audit.include-addresses", false,
            "recipient addresses in the audit trail");
    public static final Setting AUDIT_MAX_FILE_SIZE = text("relay.audit.max-file-size", "50MB",
            "the audit file rolls over at this size");
    public static final Setting AUDIT_MAX_FILES = integer("relay.audit.max-files", 10, 1, 1000,
            "rolled-over audit files kept per day");

    private SettingsCatalog() {
    }

    /** Every declared setting, in the order above. */
    public static List<Setting> all() {
        return List.copyOf(BY_KEY.values());
    }

    public static Optional<Setting> find(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    /** The declaration of a key; a key that is not declared is a programming error. */
    public static Setting require(String key) {
        Setting s = BY_KEY.get(key);
        if (s == null) {
            throw new IllegalArgumentException("setting " + key + " is not declared in SettingsCatalog");
        }
        return s;
    }

    /** Whether the value of this key must never be shown. */
    public static boolean isSecret(String key) {
        Setting s = BY_KEY.get(key);
        return s != null && s.secret();
    }

    /** The built-in defaults: every declared setting with a default value. */
    public static Map<String, String> defaults() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Setting s : BY_KEY.values()) {
            if (s.defaultValue() != null) {
                out.put(s.key(), s.defaultValue());
            }
        }
        return out;
    }

    // --- declarations ----------------------------------------------------------------------------------------

    private static Setting declare(Setting s) {
        if (BY_KEY.putIfAbsent(s.key(), s) != null) {
            throw new IllegalStateException("setting " + s.key() + " is declared twice");
        }
        return s;
    }

    /** The setting, its default derived by the relay from other settings and shown as this text. */
    private static Setting derived(Setting s, String text) {
        Setting d = s.derived(text);
        BY_KEY.put(d.key(), d);
        return d;
    }

    /** The setting, a secret (for kinds other than plain text, e.g. a list of tokens). */
    private static Setting secretList(Setting s) {
        Setting d = s.asSecret();
        BY_KEY.put(d.key(), d);
        return d;
    }

    static Setting text(String key, String def, String description) {
        return declare(new Setting(key, Setting.Kind.TEXT, def, null, 0, 0, null, false, description));
    }

    static Setting secret(String key, String description) {
        return declare(new Setting(key, Setting.Kind.TEXT, null, null, 0, 0, null, true, description));
    }

    static Setting host(String key, String def, String description) {
        return declare(new Setting(key, Setting.Kind.HOST, def, null, 0, 0, null, false, description));
    }

    static Setting httpUrl(String key, String def, String description) {
        return declare(new Setting(key, Setting.Kind.HTTP_URL, def, null, 0, 0, null, false, description));
    }

    static Setting integer(String key, long def, long min, long max, String description) {
        return declare(new Setting(key, Setting.Kind.INTEGER, String.valueOf(def), null, min, max, null, false,
                description));
    }

    static Setting port(String key, String def, String description) {
        return declare(new Setting(key, Setting.Kind.PORT, def, null, 0, 65535, null, false, description));
    }

    static Setting size(String key, String def, String description) {
        return declare(new Setting(key, Setting.Kind.SIZE, def, null, 1, Long.MAX_VALUE, null, false, description));
    }

    static Setting decimal(String key, String def, long min, long max, String description) {
        return declare(new Setting(key, Setting.Kind.DECIMAL, def, null, min, max, null, false, description));
    }

    static Setting bool(String key, boolean def, String description) {
        return declare(new Setting(key, Setting.Kind.BOOLEAN, String.valueOf(def), null, 0, 0, null, false,
                description));
    }

    static Setting duration(String key, String def, String description) {
        return declare(new Setting(key, Setting.Kind.DURATION, def, null, 0, 0, null, false, description));
    }

    static Setting durationAtLeast(String key, String def, Duration min, String description) {
        return declare(new Setting(key, Setting.Kind.DURATION, def, null, min.toMillis(), 0, null, false,
                description));
    }

    static <E extends Enum<E>> Setting choice(String key, Class<E> type, String def, String description) {
        return declare(new Setting(key, Setting.Kind.CHOICE, def, null, 0, 0, Setting.choicesOf(type), false,
                description));
    }

    static Setting list(String key, String description) {
        return declare(new Setting(key, Setting.Kind.LIST, null, null, 0, 0, null, false, description));
    }

    static Setting path(String key, String def, String description) {
        return declare(new Setting(key, Setting.Kind.PATH, def, null, 0, 0, null, false, description));
    }
}
