package org.outboxrelay.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.outboxrelay.config.RelaySettings;
import picocli.CommandLine.Command;

/**
 * {@code java -jar outbox-relay.jar check}: what an integrator runs after editing the settings, the routes or the
 * templates. Reports every problem, one line each as {@code FILE:LINE: message}, and exits 2; or prints a
 * one-line summary and exits 0. Starts nothing: no broker, no SMTP server, no HTTP server.
 */
@Command(name = "check", description = {"Check settings, routes/*.camel.yaml and templates without starting"
        + " anything; list each problem as FILE:LINE (exit 2)."})
final class CheckCommand implements java.util.concurrent.Callable<Integer> {

    private final Path home;
    private final Map<String, String> environment;
    private final Map<String, String> systemProperties;
    private final PrintStream out;
    private final PrintStream err;

    /** The relay's folder is the working directory; -D settings and RELAY_* variables count. */
    CheckCommand(CliOutput io) {
        this(Path.of(""), System.getenv(), systemProperties(), io.out(), io.err());
    }

    /**
     * @param home the relay's folder, with config/, routes/ and templates/ (the working directory for the jar)
     */
    CheckCommand(Path home, Map<String, String> environment, Map<String, String> systemProperties,
            PrintStream out, PrintStream err) {
        this.home = home;
        this.environment = environment;
        this.systemProperties = systemProperties;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        return run();
    }

    private static Map<String, String> systemProperties() {
        Map<String, String> all = new java.util.HashMap<>();
        System.getProperties().stringPropertyNames().forEach(k -> all.put(k, System.getProperty(k)));
        return all;
    }

    int run() throws Exception {
        // routes/ as the relay loads it: java -jar always takes the routes of its working directory
        RoutesCheck routes = new RoutesCheck(home, home.resolve("routes"));
        SettingsCheck settings = new SettingsCheck(home, environment, systemProperties);
        List<CheckProblem> problems = new ArrayList<>(settings.check(routes.placeholders()));
        problems.addAll(routes.check(settings::hasValue, settings.knownKeys()));
        RelaySettings relay = settings.relaySettings();
        TemplatesCheck templates = new TemplatesCheck(home, home.resolve(relay.templatesDir()));
        problems.addAll(templates.check());

        if (problems.isEmpty()) {
            out.println("OK: " + settings.checkedCount() + " settings, " + routes.fileCount() + " route files, "
                    + templates.templateCount() + " templates checked");
            return RelayCli.OK;
        }
        problems.forEach(err::println);
        err.println(problems.size() + (problems.size() == 1 ? " problem" : " problems") + " found");
        return RelayCli.USAGE;
    }
}
