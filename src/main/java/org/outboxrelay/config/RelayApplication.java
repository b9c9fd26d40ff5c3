package org.outboxrelay.config;

import java.nio.file.Path;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainConfigurationProperties;

/**
 * The relay as a Camel Main application: settings from {@code config/application.properties} (plus
 * environment and -D), routes from {@code routes/*.camel.yaml}, everything else from
 * {@link RelayConfiguration}. {@code java -jar} runs it in the working directory; tests start it with their
 * own folders.
 */
public class RelayApplication {

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
                .withRoutesReloadEnabled(false) // SafeRouteReloadStrategy does it, see RelayConfiguration
                .withJmxEnabled(false)
                // masked in camel-main's start-up summary of properties (password, secret, token are already)
                .withAdditionalSensitiveKeywords("tokens")
                .withShutdownLogInflightExchangesOnTimeout(true);
        config.addConfiguration(new RelayConfiguration());
    }

    /** Runs until the JVM is asked to stop. */
    public void run() throws Exception {
        main.run();
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
