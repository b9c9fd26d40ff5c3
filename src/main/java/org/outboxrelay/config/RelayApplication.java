package org.outboxrelay.config;

import java.nio.file.Path;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainConfigurationProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The relay as a Camel Main application: settings from {@code config/application.properties} (plus
 * environment and -D), routes from {@code routes/*.camel.yaml}, everything else from
 * the configurations of {@link #configure} (one per concern). {@code java -jar} runs it in the working directory; tests start it with their
 * own folders.
 */
public class RelayApplication {

    private static final Logger LOG = LoggerFactory.getLogger(RelayApplication.class);

    private final Main main = new Main();

    /** The relay of the working directory, as {@code java -jar outbox-relay.jar} runs it. */
    public RelayApplication() {
        this(Path.of("config", "application.properties"), Path.of("routes"), Map.of());
    }

    public RelayApplication(Path configFile, Path routesDir, Map<String, String> overrides) {
        main.setPropertyPlaceholderLocations("file:" + configFile + ";optional=true");
        configure(main.configure(), routesDir);
        main.addOverrideProperty("relay.routes.dir", routesDir.toString());
        overrides.forEach(main::addOverrideProperty);
    }

    /** What {@code java -jar}, {@link RelayApplication} and {@code @CamelMainTest} tests share. */
    public static void configure(MainConfigurationProperties config, Path routesDir) {
        config.withName("outbox-relay")
                .withRoutesIncludePattern("file:" + routesDir + "/*.camel.yaml")
                .withRoutesCollectorEnabled(true)
                .withRoutesReloadEnabled(false) // SafeRouteReloadStrategy does it, see ObserveConfiguration
                .withJmxEnabled(false)
                // masked in camel-main's start-up summary of properties: every setting declared secret (Camel matches
                // the last part of a key, in lower case without dashes: relay.http.admin-tokens is "admintokens")
                .withAdditionalSensitiveKeywords(String.join(",", SettingsCatalog.all().stream()
                        .filter(Setting::secret).map(s -> s.key().substring(s.key().lastIndexOf('.') + 1)
                                .replace("-", "").toLowerCase(java.util.Locale.ROOT)).distinct().toList()))
                .withShutdownLogInflightExchangesOnTimeout(true);
        // one configuration per concern, in this order: each uses what the ones before it bound
        config.addConfiguration(new CoreConfiguration());
        config.addConfiguration(new BrokerConfiguration());
        config.addConfiguration(new StateConfiguration());
        config.addConfiguration(new SmtpConfiguration());
        config.addConfiguration(new DeliveryConfiguration());
        config.addConfiguration(new HttpConfiguration());
        config.addConfiguration(new DeliverabilityConfiguration());
        config.addConfiguration(new ObserveConfiguration());
        config.addConfiguration(new ConsoleConfiguration());
        config.addConfiguration(new FlowConfiguration()); // last: its steps call beans of all the others
    }

    /** Binds a bean before start (tests bind their clock as "relayClock"). */
    public void bind(String name, Object bean) {
        main.bind(name, bean);
    }

    /**
     * Runs until SIGTERM or SIGINT: then stops taking new work, lets the jobs in flight finish (at most
     * relay.shutdown.timeout; the rest stay on the queue), and returns, so the caller can exit with 0 instead
     * of the JVM's 143.
     */
    public void run() throws Exception {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    LOG.info("SIG{} received: stopping (jobs in flight may finish, the others stay queued)", name);
                    main.completed();
                });
            } catch (IllegalArgumentException e) {
                LOG.debug("Cannot handle SIG{} here: {}", name, e.getMessage());
            }
        }
        main.run();
    }

    /** Stops the relay as SIGTERM does, saying why: {@link #run} returns once the jobs in flight are done. */
    public void requestStop(String why) {
        LOG.info("{}: stopping (jobs in flight may finish, the others stay queued)", why);
        main.completed();
    }

    public void start() throws Exception {
        main.start();
    }

    public void stop() throws Exception {
        main.stop();
    }

    public CamelContext context() {
        return main.getCamelContext();
    }
}
