package org.outboxrelay.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.spi.PropertiesComponent;
import org.outboxrelay.flow.ConsumerHolds;
import org.outboxrelay.ingest.OutboxFolderLock;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.provider.CaptureSmtpServer;
import org.outboxrelay.provider.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first configuration: reads and checks every setting (all problems at once, exit code 2, before anything
 * starts), applies the provider's presets, creates the relay's folders ({@code data/} owner-only), starts the
 * capture server for provider {@code capture}, and binds what every other configuration uses: the settings
 * ({@code relaySettings}), the clock ({@code relayClock}; tests bind their own), this relay's node id and the
 * metrics.
 */
public class CoreConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(CoreConfiguration.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent pc = context.getPropertiesComponent();
        Settings settings = new Settings(pc::resolveProperty);
        Clock bound = context.getRegistry().lookupByNameAndType("relayClock", Clock.class);
        Clock clock = bound != null ? bound : Clock.systemUTC();

        // a provider's presets fill in what the user did not set; the built-in defaults come after them
        Provider provider = settings.choice(SettingsCatalog.PROVIDER, Provider.class);
        for (Map.Entry<String, String> preset : provider.presets().entrySet()) {
            if (!settings.isSet(preset.getKey())) {
                pc.addOverrideProperty(preset.getKey(), preset.getValue());
            }
        }
        SettingsCatalog.defaults().forEach(pc::addInitialProperty);
        // every setting read and checked, and every port it will listen on tried, before anything starts: a bad
        // setting stops the relay here with all its problems (exit 2), never half-started. With provider capture
        // the SMTP server is the relay's own; its address is known once it listens, a placeholder stands in
        Settings checked = provider == Provider.CAPTURE ? settings.withOverrides(RelaySettings.captureSmtp(
                "127.0.0.1", Math.max(1, settings.integer(SettingsCatalog.CAPTURE_PORT)))) : settings;
        RelaySettings relay = RelaySettings.read(checked, clock);
        checked.requireValid();
        ListenPorts.requireFree(relay);

        if (provider == Provider.CAPTURE) {
            createOwnerOnly(relay.dataDir());
            CaptureSmtpServer capture = new CaptureSmtpServer(relay.dataDir().resolve("captured"), relay.capturePort());
            Beans.startNow(context, capture);
            // capture means the relay's own server: its address is not the user's to set
            RelaySettings.captureSmtp(capture.host(), capture.port()).forEach(pc::addOverrideProperty);
            LOG.info("Provider capture: mail goes to the relay's own SMTP server on {}:{} and is kept in {}"
                    + " -- nothing leaves this machine", capture.host(), capture.port(),
                    capture.dir().toAbsolutePath());
            relay = RelaySettings.read(settings, clock);
            settings.requireValid();
        }
        createOwnerOnly(relay.dataDir());
        createDirectories(relay.outboxDir(), relay.outboxDir().resolve("sent"), relay.outboxDir().resolve("failed"));
        // one outbox folder, one relay: a second relay pointed at it stops here
        Beans.startNow(context, new OutboxFolderLock(relay.outboxDir(), relay.node().id()));
        // what the routes' placeholders need, decided by the relay
        pc.addOverrideProperty("relay.smtp.port", String.valueOf(relay.smtp().port()));
        pc.addOverrideProperty("relay.smtp.host", relay.smtp().host());
        pc.addOverrideProperty(RelaySettings.THROTTLE_OFF, String.valueOf(relay.messagesPerMinute() == 0));
        pc.addOverrideProperty("relay.delivery.consumers", String.valueOf(relay.consumers()));
        // on stop, jobs in flight get this long to finish; what still runs then is rolled back and stays queued
        context.getShutdownStrategy().setTimeout(Math.max(1, relay.shutdownTimeout().toSeconds()));
        context.getShutdownStrategy().setTimeUnit(TimeUnit.SECONDS);
        LOG.info("Relay node {}", relay.node().id());

        // metrics: the relay's meters join the registry camel-micrometer-prometheus serves, labelled by node
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meters.config().commonTags("node", relay.node().id());
        Beans.bind(context, MicrometerConstants.METRICS_REGISTRY_NAME, meters);

        Beans.bind(context, "relaySettings", relay);
        Beans.bind(context, "smtpSettings", relay.smtp());
        Beans.bind(context, "relayNode", relay.node());
        if (bound == null) {
            Beans.bind(context, "relayClock", clock);
        }
        Beans.bind(context, "relayMetrics", new RelayMetrics(meters, clock));
        // the holds on the delivery route's consumer, shared by its policies (pause, store, disk)
        Beans.bind(context, "consumerHolds", new ConsumerHolds());
    }

    /**
     * Creates the folder owner-only (it holds the job store, the broker journal, captured mail and the OAuth
     * refresh token); an existing folder that others can read is left as it is, with a warning.
     */
    static void createOwnerOnly(Path dir) {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir);
                if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                    Files.setPosixFilePermissions(dir, OWNER_ONLY);
                }
            } else if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir);
                if (p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.OTHERS_EXECUTE)
                        || p.contains(PosixFilePermission.GROUP_READ)) {
                    LOG.warn("{} can be read by other users ({}); it holds the job store, mail and tokens:"
                            + " chmod 700 {}", dir.toAbsolutePath(), PosixFilePermissions.toString(p),
                            dir.toAbsolutePath());
                }
            }
        } catch (IOException e) {
            throw new InvalidSettingsException("cannot create folder " + dir.toAbsolutePath() + ": " + e);
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
}
