package org.outboxrelay.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import jakarta.jms.ConnectionFactory;
import jakarta.mail.Session;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.outboxrelay.broker.BrokerSettings;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.delivery.AttachmentFiles;
import org.outboxrelay.delivery.DeliveryEvents;
import org.outboxrelay.delivery.JobLedger;
import org.outboxrelay.delivery.JobMessages;
import org.outboxrelay.delivery.JobReader;
import org.outboxrelay.delivery.MimeMessageBuilder;
import org.outboxrelay.delivery.RetryPolicy;
import org.outboxrelay.delivery.SenderPolicy;
import org.outboxrelay.delivery.SmtpConnectionPool;
import org.outboxrelay.delivery.SmtpCredentials;
import org.outboxrelay.delivery.SmtpReplyClassifier;
import org.outboxrelay.delivery.SmtpSender;
import org.outboxrelay.delivery.SmtpSessions;
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
import org.outboxrelay.provider.CaptureSmtpServer;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobRetention;
import org.outboxrelay.state.JobStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * Wires the relay: reads and checks the settings, applies the provider's presets, starts what the routes
 * depend on (the capture SMTP server, the broker, the job store) and binds the beans the YAML routes call.
 * Used the same way by {@code java -jar} and by the tests.
 */
public class RelayConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(RelayConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent pc = context.getPropertiesComponent();
        addDefaults(pc);
        Settings settings = new Settings(pc::resolveProperty);
        Clock clock = Clock.systemUTC();

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
            CaptureSmtpServer capture = new CaptureSmtpServer(dataDir.resolve("captured"),
                    settings.integer("relay.capture.port", 2525, 0, 65535));
            startNow(context, capture);
            // capture means the local server: these are not the user's to override
            pc.addOverrideProperty("relay.smtp.host", capture.host());
            pc.addOverrideProperty("relay.smtp.port", String.valueOf(capture.port()));
            pc.addOverrideProperty("relay.smtp.security", "none");
            pc.addOverrideProperty("relay.smtp.auth", "none");
            LOG.info("Provider capture: mail goes to the relay's own SMTP server on {}:{} and is kept in {}"
                    + " -- nothing leaves this machine", capture.host(), capture.port(),
                    capture.dir().toAbsolutePath());
        }

        SmtpSettings smtp = SmtpSettings.from(settings);
        if (smtp.port() == 0) {
            settings.problem("relay.smtp.port", "must be set");
        }
        pc.addOverrideProperty("relay.smtp.port", String.valueOf(smtp.port()));
        pc.addOverrideProperty("relay.smtp.host", smtp.host());
        long maxBytes = settings.bytes("relay.limits.max-message-bytes", 25L * 1024 * 1024);
        RetryPolicy retryPolicy = new RetryPolicy(
                settings.duration("relay.retry.initial-delay", Duration.ofSeconds(30)),
                settings.decimal("relay.retry.multiplier", 2, 1, 100),
                settings.duration("relay.retry.max-delay", Duration.ofHours(1)),
                settings.duration("relay.retry.give-up-after", Duration.ofDays(2)), clock);
        BrokerSettings brokerSettings = BrokerSettings.from(settings, dataDir);
        int consumers = settings.integer("relay.delivery.consumers", 4, 1, 200);
        Duration retention = settings.duration("relay.status.retention", Duration.ofDays(30));
        HttpApiSettings http = HttpApiSettings.from(settings);
        settings.requireValid();
        if (smtp.auth() == SmtpAuth.XOAUTH2) {
            throw new InvalidSettingsException("relay.smtp.auth=xoauth2 is not available yet in this version");
        }
        if (provider != Provider.CAPTURE) {
            LOG.info("Provider {}: sending through {}", provider.id(), smtp.describe());
        }

        // broker: started here so that the JMS routes find it running
        ConnectionFactory connectionFactory;
        if (brokerSettings.external()) {
            connectionFactory = new ActiveMQConnectionFactory(brokerSettings.url(), brokerSettings.user(),
                    brokerSettings.password());
            LOG.info("Using the external broker at {}", brokerSettings.url());
        } else {
            EmbeddedBroker broker = new EmbeddedBroker(brokerSettings);
            startNow(context, broker);
            context.getRegistry().bind("embeddedBroker", broker);
            connectionFactory = broker.secured()
                    ? new ActiveMQConnectionFactory(broker.inVmUrl(), brokerSettings.user(), brokerSettings.password())
                    : new ActiveMQConnectionFactory(broker.inVmUrl());
        }
        CachingConnectionFactory caching = new CachingConnectionFactory(connectionFactory);
        caching.setSessionCacheSize(consumers + 8);
        context.addService(new Closer("JMS connections", caching::destroy), true);
        context.addComponent("jms", JmsComponent.jmsComponent(caching));

        JobStateStore store = JdbcJobStateStore.embedded(dataDir.resolve("state"));
        context.addService(new Closer("job store", store::close), true);
        JobAdmission admission = new JobAdmission(store, clock);

        Session session = SmtpSessions.create(smtp);
        SmtpCredentials credentials = smtp.auth() == SmtpAuth.PASSWORD
                ? SmtpCredentials.password(smtp.username(), smtp.password())
                : SmtpCredentials.NONE;
        SmtpConnectionPool pool = new SmtpConnectionPool(session, smtp.host(), smtp.port(), credentials,
                smtp.maxConnections(), smtp.messagesPerConnection(), smtp.idleTimeout(), Duration.ofMinutes(5));
        context.addService(new Closer("SMTP connections", pool::close), true);

        AttachmentFiles attachmentFiles = new AttachmentFiles(settings.get("relay.attachments.dir")
                .map(Path::of).orElse(null));
        bind(context, "relaySettings", smtp);
        bind(context, "jobStore", store);
        bind(context, "jobReader", new JobReader(new MailJobParser(), new RawMessageParser(), maxBytes, clock));
        bind(context, "jobLedger", new JobLedger(store, admission, clock));
        bind(context, "jobIntake", new JobIntake(admission));
        bind(context, "jobMessages", new JobMessages(clock));
        bind(context, "deliveryEvents", new DeliveryEvents(clock));
        bind(context, "outboxFileParser", new OutboxFileParser(maxBytes, clock));
        bind(context, "outboxArchive", new OutboxArchive(outboxDir, clock));
        bind(context, "senderPolicy", new SenderPolicy(smtp.from(), smtp.allowedFrom()));
        bind(context, "mimeBuilder", new MimeMessageBuilder(session, smtp.from(), attachmentFiles));
        bind(context, "smtpSender", new SmtpSender(session, pool, smtp.host(), smtp.port()));
        bind(context, "smtpReplyClassifier", new SmtpReplyClassifier());
        bind(context, "retryPolicy", retryPolicy);
        bind(context, "jobRetention", new JobRetention(store, retention, clock));

        configureHttpApi(context, http, maxBytes, store, admission, clock);

        if (settings.bool("relay.routes.reload", true)) {
            context.addService(new SafeRouteReloadStrategy(settings.path("relay.routes.dir", "routes"), 300), true);
        }
    }

    /**
     * The HTTP API: camel-main's HTTP server (camel-platform-http-main, on Vert.x) set up from relay.http.* and
     * relay.limits.max-message-bytes - users never set camel.server.* - plus the beans of
     * routes/http-api.camel.yaml and the {@link ApiGate} in front of them. A camel-main management server
     * (health, metrics) created after this one with the same port shares its Vert.x server.
     */
    private static void configureHttpApi(CamelContext context, HttpApiSettings http, long maxBytes,
            JobStateStore store, JobAdmission admission, Clock clock) throws Exception {
        MainHttpServer server = new MainHttpServer();
        server.setCamelContext(context);
        server.setHost(http.host());
        server.setPort(http.port());
        server.setPath("/");
        server.setMaxBodySize(maxBytes); // a larger body is answered 413 and read no further
        server.setFileUploadEnabled(false); // the API takes no multipart uploads: nothing lands in temp folders
        context.addService(server, true, true); // started with the context, before the routes
        ApiDescription description = new ApiDescription();
        JobStatusView statusView = new JobStatusView(store);
        bind(context, "httpIntake", new HttpIntake(admission, store, clock));
        bind(context, "apiReplies", new ApiReplies(store, statusView));
        bind(context, "apiProblems", new ApiProblems());
        bind(context, "jobStatusView", statusView);
        bind(context, "apiDescription", description);
        context.addStartupListener(new ApiGate(http.tokens(), description, maxBytes));
        if (http.tokens().isEmpty()) {
            LOG.warn("HTTP API on {}:{} refuses every call (401): relay.http.tokens is empty. Set one or more long"
                    + " random tokens, comma-separated, e.g. RELAY_HTTP_TOKENS=$(openssl rand -hex 32)",
                    http.host(), http.port());
        } else {
            LOG.info("HTTP API on {}:{} under /api/v1, accepting {}", http.host(), http.port(), http.tokens());
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
