package org.outboxrelay.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import jakarta.jms.ConnectionFactory;
import jakarta.mail.Session;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.prometheus.MicrometerPrometheus;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.outboxrelay.broker.BrokerSettings;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.delivery.AttachmentFiles;
import org.outboxrelay.delivery.DailyRecipientBudget;
import org.outboxrelay.delivery.DeliveryEvents;
import org.outboxrelay.delivery.InFlightSmtpCutter;
import org.outboxrelay.delivery.JobChecks;
import org.outboxrelay.delivery.JobLedger;
import org.outboxrelay.delivery.JobMessages;
import org.outboxrelay.delivery.JobReader;
import org.outboxrelay.delivery.MimeMessageBuilder;
import org.outboxrelay.delivery.RecipientBatches;
import org.outboxrelay.delivery.RetryPolicy;
import org.outboxrelay.delivery.SenderPolicy;
import org.outboxrelay.delivery.SmtpConnectionPool;
import org.outboxrelay.delivery.SmtpCredentials;
import org.outboxrelay.delivery.SmtpReplyClassifier;
import org.outboxrelay.delivery.SmtpSender;
import org.outboxrelay.delivery.SmtpSessions;
import org.outboxrelay.delivery.SmtpSockets;
import org.outboxrelay.http.AdminApi;
import org.outboxrelay.http.ApiDescription;
import org.outboxrelay.http.ApiGate;
import org.outboxrelay.http.ApiProblems;
import org.outboxrelay.http.ApiReplies;
import org.outboxrelay.http.HttpApiSettings;
import org.outboxrelay.http.HttpIntake;
import org.outboxrelay.http.JobStatusView;
import org.outboxrelay.ingest.JobIntake;
import org.outboxrelay.ingest.OutboxArchive;
import org.outboxrelay.ingest.OutboxFileParser;
import org.outboxrelay.job.MailJobParser;
import org.outboxrelay.job.RawMessageParser;
import org.outboxrelay.observe.AuditTrail;
import org.outboxrelay.observe.QueueDepths;
import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.observe.RelayHealthChecks;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.observe.ThrottleWaitTimer;
import org.outboxrelay.provider.CaptureSmtpServer;
import org.outboxrelay.provider.OAuthAccessTokens;
import org.outboxrelay.provider.OAuthClient;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.RefreshTokenFile;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.JdbcRecipientBudget;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobRetention;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.StateDatabase;
import org.outboxrelay.template.TemplateRenderer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * Wires the relay: reads and checks every setting first (so that all problems are reported together, exit code
 * 2), applies the provider's presets, starts what the routes depend on (capture SMTP server, broker, state
 * database, HTTP server) and binds the beans the YAML routes call. Used the same way by {@code java -jar} and by
 * the tests.
 */
public class RelayConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(RelayConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent pc = context.getPropertiesComponent();
        addDefaults(pc);
        Settings settings = new Settings(pc::resolveProperty);
        // tests may bind their own clock (to cross midnight UTC, say); the relay uses the system's
        Clock bound = context.getRegistry().lookupByNameAndType("relayClock", Clock.class);
        Clock clock = bound != null ? bound : Clock.systemUTC();

        // --- settings -------------------------------------------------------------------------------------
        Provider provider = settings.choice("relay.provider", Provider.class, Provider.CAPTURE);
        for (Map.Entry<String, String> preset : provider.presets().entrySet()) {
            if (!settings.isSet(preset.getKey())) {
                pc.addOverrideProperty(preset.getKey(), preset.getValue());
            }
        }
        Path dataDir = settings.path("relay.data.dir", "data");
        Path outboxDir = settings.path("relay.outbox.dir", "outbox");
        createDirectories(dataDir, outboxDir, outboxDir.resolve("sent"), outboxDir.resolve("failed"));
        if (provider == Provider.CAPTURE) {
            startCaptureServer(context, pc, settings, dataDir);
        }
        RelaySettings relay = RelaySettings.read(settings, clock);
        SmtpSettings smtp = relay.smtp();
        pc.addOverrideProperty("relay.smtp.port", String.valueOf(smtp.port()));
        pc.addOverrideProperty("relay.smtp.host", smtp.host());
        OAuthSettings oauth = relay.oauth();
        long maxBytes = relay.maxMessageBytes();
        RetryPolicy retryPolicy = relay.retryPolicy();
        int messagesPerMinute = relay.messagesPerMinute();
        int recipientsPerMessage = relay.recipientsPerMessage();
        boolean refuseOverLimit = relay.refuseOverRecipientLimit();
        int recipientsPerDay = relay.recipientsPerDay();
        Duration pauseInitial = relay.pauseInitial();
        Duration pauseMax = relay.pauseMax();
        BrokerSettings brokerSettings = relay.broker();
        int consumers = relay.consumers();
        Duration retention = relay.statusRetention();
        Duration shutdownTimeout = relay.shutdownTimeout();
        TemplateRenderer templateRenderer = new TemplateRenderer(relay.templatesDir(), relay.templatesUpdateDelay());
        HttpApiSettings http = relay.http();
        int managementPort = relay.managementPort();
        Duration smtpProbeInterval = relay.smtpProbeInterval();
        boolean auditAddresses = relay.auditIncludeAddresses();
        String auditFileSize = relay.auditMaxFileSize();
        int auditFiles = relay.auditMaxFiles();
        settings.requireValid();

        // on stop, jobs in flight get this long to finish; what is still running then is rolled back and stays
        // on the queue (the recipients it already reached are recorded, so they are not sent to again)
        context.getShutdownStrategy().setTimeout(Math.max(1, shutdownTimeout.toSeconds()));
        context.getShutdownStrategy().setTimeUnit(TimeUnit.SECONDS);
        // the throttle EIP in delivery.camel.yaml is switched off when there is no per-minute limit
        pc.addOverrideProperty(RelaySettings.THROTTLE_OFF, String.valueOf(messagesPerMinute == 0));
        pc.addOverrideProperty("relay.delivery.consumers", String.valueOf(consumers));
        if (provider != Provider.CAPTURE) {
            LOG.info("Provider {}: sending through {}", provider.id(), smtp.describe());
        }

        // --- broker and JMS: started here so that the JMS routes find it running ---------------------------
        EmbeddedBroker embeddedBroker = null;
        ActiveMQConnectionFactory connectionFactory;
        if (brokerSettings.external()) {
            connectionFactory = new ActiveMQConnectionFactory(brokerSettings.url(), brokerSettings.user(),
                    brokerSettings.password());
            LOG.info("Using the external broker at {}", brokerSettings.url());
        } else {
            embeddedBroker = new EmbeddedBroker(brokerSettings);
            startNow(context, embeddedBroker);
            context.getRegistry().bind("embeddedBroker", embeddedBroker);
            connectionFactory = embeddedBroker.secured()
                    ? new ActiveMQConnectionFactory(embeddedBroker.inVmUrl(), brokerSettings.user(),
                            brokerSettings.password())
                    : new ActiveMQConnectionFactory(embeddedBroker.inVmUrl());
        }
        // the queues and the topic never change: look each up once, not on every send
        connectionFactory.setCacheDestinations(true);
        CachingConnectionFactory caching = new CachingConnectionFactory(connectionFactory);
        caching.setSessionCacheSize(consumers + 8);
        context.addService(new Closer("JMS connections", caching::destroy), true);
        context.addComponent("jms", JmsComponent.jmsComponent(caching));

        // --- state ------------------------------------------------------------------------------------------
        StateDatabase database = StateDatabase.embedded(dataDir.resolve("state"));
        context.addService(new Closer("state database", database::close), true);
        JobStateStore store = new JdbcJobStateStore(database.dataSource(), () -> { });
        JobAdmission admission = new JobAdmission(store, clock);

        // --- SMTP: one session, pooled connections that sign in with a password or an OAuth2 token --------
        SmtpSockets smtpSockets = new SmtpSockets();
        Session session = SmtpSessions.create(smtp, smtpSockets);
        context.getManagementStrategy().addEventNotifier(new InFlightSmtpCutter(smtpSockets, shutdownTimeout));
        SmtpCredentials credentials = switch (smtp.auth()) {
            case PASSWORD -> SmtpCredentials.password(smtp.username(), smtp.password());
            case XOAUTH2 -> new OAuthAccessTokens(smtp.username(), oauth, new OAuthClient(oauth),
                    new RefreshTokenFile(oauth.tokenFile()), clock);
            case NONE -> SmtpCredentials.NONE;
        };
        SmtpConnectionPool pool = new SmtpConnectionPool(session, smtp.host(), smtp.port(), credentials,
                smtp.maxConnections(), smtp.messagesPerConnection(), smtp.idleTimeout(), Duration.ofMinutes(5));
        context.addService(new Closer("SMTP connections", pool::close), true);
        context.addService(new IdleMemoryRelease(context, relay.memoryReleaseInterval()), true);

        // --- metrics: the relay's meters join the registry camel-micrometer-prometheus serves -------------
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, meters);
        RelayMetrics metrics = new RelayMetrics(meters, clock);
        context.getCamelContextExtension().addInterceptStrategy(new ThrottleWaitTimer(metrics));

        // --- the beans the routes call ----------------------------------------------------------------------
        AccountPause accountPause = new AccountPause(clock, pauseInitial, pauseMax);
        context.addService(accountPause, true);
        AuditTrail audit = new AuditTrail(dataDir.resolve("log"), auditAddresses, auditFileSize, auditFiles, clock);
        context.addService(audit, true);
        AttachmentFiles attachmentFiles = new AttachmentFiles(relay.attachmentsDir());
        bind(context, "relaySettings", smtp);
        bind(context, "jobStore", store);
        bind(context, "relayMetrics", metrics);
        bind(context, "jobReader", new JobReader(new MailJobParser(), new RawMessageParser(), maxBytes, clock));
        bind(context, "jobLedger", new JobLedger(store, admission, clock, metrics));
        bind(context, "jobIntake", new JobIntake(admission, metrics));
        bind(context, "jobMessages", new JobMessages(clock));
        bind(context, "deliveryEvents", new DeliveryEvents(clock));
        bind(context, "jobChecks", new JobChecks());
        bind(context, "outboxFileParser", new OutboxFileParser(maxBytes, clock));
        bind(context, "outboxArchive", new OutboxArchive(outboxDir, clock));
        bind(context, "templateRenderer", templateRenderer);
        bind(context, "senderPolicy", new SenderPolicy(smtp.from(), smtp.allowedFrom()));
        bind(context, "mimeBuilder", new MimeMessageBuilder(session, smtp.from(), attachmentFiles));
        bind(context, "smtpSender", new SmtpSender(session, pool, smtp.host(), smtp.port()));
        bind(context, "smtpReplyClassifier", new SmtpReplyClassifier());
        bind(context, "retryPolicy", retryPolicy);
        bind(context, "recipientBatches", new RecipientBatches(recipientsPerMessage, refuseOverLimit));
        bind(context, "dailyRecipientBudget", new DailyRecipientBudget(new JdbcRecipientBudget(database.dataSource()),
                recipientsPerDay, clock));
        bind(context, "accountPause", accountPause);
        bind(context, "auditTrail", audit);
        bind(context, "jobRetention", new JobRetention(store, retention, clock));

        // --- HTTP API, then health and metrics (created after the API server, they share its port) -------
        // the queue command's tools on the relay's own (in-VM or external) broker connection: admin API and gauges
        QueueTools queueTools = new QueueTools(connectionFactory, brokerSettings.user(), brokerSettings.password(),
                clock);
        configureHttpApi(context, http, maxBytes, store, admission, metrics, queueTools, clock);
        configureManagement(context, http, managementPort);
        QueueDepths depths = new QueueDepths(embeddedBroker, queueTools);
        registerGauges(metrics, pool, store, depths, accountPause, clock);
        EmbeddedBroker broker = embeddedBroker;
        bind(context, "brokerHealth", new RelayHealthChecks.Broker(() -> brokerProblem(broker, connectionFactory,
                brokerSettings)));
        bind(context, "smtpHealth", new RelayHealthChecks.Smtp(pool, smtpProbeInterval, clock));
        bind(context, "accountHealth", new RelayHealthChecks.Account(accountPause));

        if (relay.routesReload()) {
            context.addService(new SafeRouteReloadStrategy(relay.routesDir(), 300), true);
        }
    }

    /** The capture provider: the relay's own SMTP server; relay.smtp.* then point at it. */
    private static void startCaptureServer(CamelContext context, PropertiesComponent pc, Settings settings,
            Path dataDir) throws Exception {
        CaptureSmtpServer capture = new CaptureSmtpServer(dataDir.resolve("captured"),
                settings.integer("relay.capture.port", 2525, 0, 65535));
        startNow(context, capture);
        // capture means the local server: these are not the user's to override
        RelaySettings.captureSmtp(capture.host(), capture.port()).forEach(pc::addOverrideProperty);
        LOG.info("Provider capture: mail goes to the relay's own SMTP server on {}:{} and is kept in {}"
                + " -- nothing leaves this machine", capture.host(), capture.port(), capture.dir().toAbsolutePath());
    }

    /**
     * The HTTP API: camel-main's HTTP server (camel-platform-http-main, on Vert.x) set up from relay.http.* and
     * relay.limits.max-message-bytes - users never set camel.server.* - plus the beans of
     * routes/http-api.camel.yaml and the {@link ApiGate} in front of them.
     */
    private static void configureHttpApi(CamelContext context, HttpApiSettings http, long maxBytes,
            JobStateStore store, JobAdmission admission, RelayMetrics metrics, QueueTools queueTools, Clock clock)
            throws Exception {
        MainHttpServer server = new MainHttpServer();
        server.setCamelContext(context);
        server.setHost(http.host());
        server.setPort(http.port());
        server.setPath("/");
        server.setMaxBodySize(maxBytes); // a larger body is answered 413 and read no further
        server.setFileUploadEnabled(false); // the API takes no multipart uploads: nothing lands in temp folders
        context.addService(server, true, true); // started with the context, before the routes
        // REST over that server, no binding (the routes read and write JSON themselves), and each REST call its
        // own route. Set here, not in a route file: the files load in no fixed order, and a rest: block read
        // before a restConfiguration: block would get Camel's defaults (its calls inlined into their routes).
        RestConfiguration rest = context.getRestConfiguration();
        rest.setComponent("platform-http");
        rest.setBindingMode(RestConfiguration.RestBindingMode.off);
        rest.setInlineRoutes(false);
        ApiDescription description = new ApiDescription();
        JobStatusView statusView = new JobStatusView(store);
        bind(context, "httpIntake", new HttpIntake(admission, store, clock, metrics));
        bind(context, "apiReplies", new ApiReplies(store, statusView));
        bind(context, "apiProblems", new ApiProblems());
        bind(context, "jobStatusView", statusView);
        bind(context, "apiDescription", description);
        bind(context, "adminApi", new AdminApi(queueTools));
        context.addStartupListener(new ApiGate(http.tokens(), http.adminTokens(), description, maxBytes));
        if (http.tokens().isEmpty() && http.adminTokens().isEmpty()) {
            LOG.warn("HTTP API on {}:{} refuses every call (401): relay.http.tokens is empty. Set one or more long"
                    + " random tokens, comma-separated, e.g. RELAY_HTTP_TOKENS=$(openssl rand -hex 32)",
                    http.host(), http.port());
        } else {
            LOG.info("HTTP API on {}:{} under /api/v1, accepting {}; admin calls (/api/v1/admin) {}", http.host(),
                    http.port(), http.tokens(), http.separateAdminTokens()
                            ? "only with " + http.adminTokens().size() + " admin token(s)" : "with the same tokens");
        }
    }

    /**
     * camel-main's management server: health at /observe/health (live, ready) and Prometheus metrics at
     * /observe/metrics. By default on the port of the HTTP API, behind the same bearer tokens.
     */
    private static void configureManagement(CamelContext context, HttpApiSettings http, int port) throws Exception {
        ManagementHttpServer management = new ManagementHttpServer();
        management.setCamelContext(context);
        management.setHost(http.host());
        management.setPort(port);
        management.setPath("/");
        management.setHealthPath("/observe/health");
        management.setHealthCheckEnabled(true);
        management.setMetricsEnabled(true);
        management.setInfoEnabled(false);
        management.setDevConsoleEnabled(false);
        management.setJolokiaEnabled(false);
        context.addService(management, true, true);
        MicrometerPrometheus prometheus = new MicrometerPrometheus(); // serves the metrics registry's scrape
        prometheus.setCamelContext(context);
        prometheus.setPath("/observe/metrics");
        prometheus.setEnableRoutePolicy(false);
        // per-endpoint exchange timers: nobody reads them (the relay's own meters count jobs), and they cost
        // about 3% of the CPU per job in DeliveryBenchmark
        prometheus.setEnableExchangeEventNotifier(false);
        context.addService(prometheus, true, true);
    }

    private static void registerGauges(RelayMetrics metrics, SmtpConnectionPool pool, JobStateStore store,
            QueueDepths depths, AccountPause pause, Clock clock) {
        metrics.gauge("outbox.relay.smtp.connections.open", "SMTP connections open (in use or idle)", null,
                pool::openCount);
        metrics.functionCounter("outbox.relay.smtp.connections.opened", "SMTP connections opened",
                pool::openedCount);
        for (String queue : List.of(EmbeddedBroker.JOBS, EmbeddedBroker.DEAD)) {
            metrics.gauge("outbox.relay.queue.messages", "Messages in a queue (deferred jobs included)", null,
                    () -> depths.depth(queue), "queue", queue);
        }
        metrics.gauge("outbox.relay.queue.oldest.job.age", "Age of the oldest job still waiting (queued or deferred)",
                "seconds", () -> {
                    Instant inStore = store.oldestWaiting().orElse(null);
                    Instant onQueue = depths.oldestWaiting(EmbeddedBroker.JOBS);
                    Instant oldest = inStore == null ? onQueue
                            : onQueue == null || inStore.isBefore(onQueue) ? inStore : onQueue;
                    return RelayMetrics.secondsSince(oldest, clock);
                });
        metrics.gauge("outbox.relay.account.paused", "1 while the account is paused", null,
                () -> pause.status().paused() ? 1 : 0);
    }

    /** Null while the broker works, else why not (for readiness). */
    private static String brokerProblem(EmbeddedBroker embedded, ConnectionFactory cf, BrokerSettings settings) {
        if (embedded != null) {
            return embedded.server().isActive() ? null : "the embedded broker is not running";
        }
        try (jakarta.jms.Connection c = settings.user() == null ? cf.createConnection()
                : cf.createConnection(settings.user(), settings.password())) {
            return null;
        } catch (Exception e) {
            return "cannot connect to the broker " + settings.url() + ": " + e.getMessage();
        }
    }

    private static void bind(CamelContext context, String name, Object bean) {
        context.getRegistry().bind(name, bean);
    }

    /** Built-in defaults (lowest priority): the config file, environment and -D all override them. */
    static void addDefaults(PropertiesComponent pc) {
        Properties defaults = new Properties();
        try (InputStream in = RelayConfiguration.class.getResourceAsStream("/relay-defaults.properties")) {
            defaults.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String key : defaults.stringPropertyNames()) {
            pc.addInitialProperty(key, defaults.getProperty(key));
        }
    }

    private static void createDirectories(Path... dirs) {
        for (Path dir : dirs) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new InvalidSettingsException("cannot create folder " + dir.toAbsolutePath() + ": " + e);
            }
        }
    }

    /** Starts a service at once and lets Camel stop it when the relay stops. */
    private static void startNow(CamelContext context, Object service) throws Exception {
        ServiceHelper.startService(service);
        context.addService(service, true);
    }

    /** Closes a resource when Camel stops. */
    private static final class Closer extends ServiceSupport {
        private final String what;
        private final AutoCloseable closeable;

        Closer(String what, Runnable action) {
            this.what = what;
            this.closeable = action::run;
        }

        @Override
        protected void doStop() throws Exception {
            LOG.debug("Closing {}", what);
            closeable.close();
        }
    }
}
