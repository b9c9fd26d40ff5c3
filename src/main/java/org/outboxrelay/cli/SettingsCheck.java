package org.outboxrelay.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.outboxrelay.config.CommandLineSettings;
import org.outboxrelay.config.RelaySettings;
import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;
import org.outboxrelay.provider.Provider;

/**
 * The settings part of {@code check}: every value is read with the relay's own rules ({@link RelaySettings}), and
 * every {@code relay.*} key that is set - in config/application.properties, as a RELAY_* environment variable or
 * as a -D system property - must be one the relay knows. Problems name the line of the config file the value
 * comes from.
 */
final class SettingsCheck {

    static final Path CONFIG = Path.of("config", "application.properties");

    private final Path home;
    private final Map<String, String> environment;
    private final Map<String, String> systemProperties;
    private Settings settings;
    private RelaySettings relay;
    private Set<String> known;

    /**
     * @param home             the relay's folder (config/ is in it)
     * @param environment      the environment, for RELAY_* variables
     * @param systemProperties the -D properties, for relay.* ones
     */
    SettingsCheck(Path home, Map<String, String> environment, Map<String, String> systemProperties) {
        this.home = home;
        this.environment = environment;
        this.systemProperties = systemProperties;
    }

    /**
     * Checks the settings.
     *
     * @param usedByRoutes relay.* keys the route files refer to: settings of the integrator's own are allowed
     *                     when a route uses them
     */
    List<CheckProblem> check(Collection<String> usedByRoutes) throws IOException {
        Path configFile = home.resolve(CONFIG);
        String shownConfig = CheckProblem.shown(home, configFile);
        PropertiesFileLines file = PropertiesFileLines.read(configFile);
        settings = CommandLineSettings.load(configFile);
        if (settings.choice(SettingsCatalog.PROVIDER, Provider.class) == Provider.CAPTURE) {
            // the capture server's port is only known once it listens; any valid port stands in for it here
            settings = settings.withOverrides(RelaySettings.captureSmtp("127.0.0.1", 2525));
        }
        relay = RelaySettings.read(settings, Clock.systemUTC());
        known = new TreeSet<>();
        SettingsCatalog.all().forEach(s -> known.add(s.key()));
        Set<String> allowed = new TreeSet<>(known);
        usedByRoutes.stream().filter(k -> k.startsWith("relay.")).forEach(allowed::add);

        List<CheckProblem> problems = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> entry : file.keys().entrySet()) {
            String key = entry.getKey();
            List<Integer> lines = entry.getValue();
            for (int i = 1; i < lines.size(); i++) {
                problems.add(CheckProblem.at(shownConfig, lines.get(i), key + " is set again (first on line "
                        + lines.get(0) + "); the last one wins"));
            }
            unknown(key, allowed).ifPresent(m -> problems.add(CheckProblem.at(shownConfig, lines.get(0), m)));
        }
        for (String name : new TreeSet<>(environment.keySet())) {
            if (name.toUpperCase(Locale.ROOT).startsWith("RELAY_") && allowed.stream()
                    .noneMatch(k -> envName(k).equals(envName(name)))) {
                String hint = NearestName.among(envName(name), allowed.stream().map(SettingsCheck::envName).toList())
                        .map(n -> " (did you mean " + n + "?)").orElse("");
                problems.add(CheckProblem.at("environment " + name, "unknown setting" + hint));
            }
        }
        for (String key : new TreeSet<>(systemProperties.keySet())) {
            if (key.startsWith("relay.")) {
                unknown(key, allowed).ifPresent(m -> problems.add(CheckProblem.at("-D" + key, m)));
            }
        }
        for (Settings.Problem p : settings.problemsByKey()) {
            String source = source(p.key(), shownConfig);
            problems.add(CheckProblem.at(source, source.equals(shownConfig) ? file.line(p.key()) : 0, p.toString()));
        }
        return problems;
    }

    /**
     * Why a key set in the config file is not a setting, if it is not: a relay.* key the relay does not know, or
     * another key that looks like a mistyped relay one ("rely.smtp.host"). Other keys (camel.*) are Camel's.
     */
    private Optional<String> unknown(String key, Set<String> allowed) {
        if (allowed.contains(key)) {
            return Optional.empty();
        }
        Optional<String> nearest = NearestName.among(key, allowed);
        if (!key.startsWith("relay.") && nearest.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("unknown setting " + key + nearest.map(n -> " (did you mean " + n + "?)")
                .orElse(""));
    }

    /** Where a key's value comes from, in the order the relay looks: -D, environment, config file. */
    private String source(String key, String shownConfig) {
        if (systemProperties.containsKey(key)) {
            return "-D" + key;
        }
        for (String name : environment.keySet()) {
            if (envName(name).equals(envName(key))) {
                return "environment " + name;
            }
        }
        return shownConfig;
    }

    /** relay.smtp.max-connections and RELAY_SMTP_MAX_CONNECTIONS name the same setting. */
    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The settings as read (after {@link #check}), to find the other files. */
    RelaySettings relaySettings() {
        return relay;
    }

    /** Number of settings checked: every declared setting. */
    int checkedCount() {
        return known.size();
    }

    /** Whether the routes' placeholder {{key}} gets a value: set by the user, a default, or by the relay. */
    boolean hasValue(String key) {
        if (RelaySettings.SET_FOR_ROUTES.contains(key)) {
            return true;
        }
        return SettingsCatalog.find(key).isPresent() ? settings.isSet(key) : settings.undeclared(key).isPresent();
    }

    /** The keys the relay knows, for "did you mean". */
    Set<String> knownKeys() {
        return known;
    }
}
