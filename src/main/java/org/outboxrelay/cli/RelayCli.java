package org.outboxrelay.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.OptionalInt;

import org.outboxrelay.config.CommandLineSettings;
import org.outboxrelay.config.InvalidSettingsException;
import org.outboxrelay.config.IdleMemoryRelease;
import org.outboxrelay.config.LogFormat;
import org.outboxrelay.config.RelayApplication;
import org.outboxrelay.jvm.RelayJvm;

/**
 * {@code java -jar outbox-relay.jar [COMMAND]}: runs the relay (no command, or {@code run}). Exit codes:
 * 0 success, 1 runtime failure, 2 bad configuration or usage.
 */
public final class RelayCli {

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    static final Path CONFIG = Path.of("config", "application.properties");

    private RelayCli() {
    }

    public static void main(String[] args) {
        // started with no JVM options: the relay runs in a JVM of its own, tuned and with its cache (RelayJvm)
        OptionalInt tuned = RelayJvm.runTuned(args, CONFIG);
        if (tuned.isPresent()) {
            System.exit(tuned.getAsInt());
        }
        LogFormat.applyBeforeLogging(CONFIG);
        IdleMemoryRelease.applyBeforeStart();
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "run" : args[0];
        try {
            switch (command) {
                case "run":
                    RelayApplication relay = new RelayApplication();
                    if (RelayJvm.description() != null) {
                        org.slf4j.LoggerFactory.getLogger(RelayCli.class).info(
                                "Relay JVM (relay.jvm.tuning=auto): {}", RelayJvm.description());
                    }
                    RelayJvm.stopWithLauncher(() -> relay.requestStop("The JVM that started the relay is gone"));
                    relay.run();
                    return OK;
                case "queue":
                    return new QueueCommand(CommandLineSettings.load(CONFIG), out, err)
                            .run(java.util.Arrays.asList(args).subList(1, args.length));
                case "login":
                    return new LoginCommand(CommandLineSettings.load(CONFIG), out, err, d -> Thread.sleep(d.toMillis()))
                            .run();
                case "render":
                    return RenderCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
                case "check":
                    if (args.length > 1) {
                        err.println("check takes no arguments; run it in the relay's folder");
                        return USAGE;
                    }
                    return new CheckCommand(Path.of(""), System.getenv(), systemProperties(), out, err).run();
                case "help":
                case "--help":
                case "-h":
                    out.println(usage());
                    return OK;
                default:
                    err.println("Unknown command: " + command);
                    err.println(usage());
                    return USAGE;
            }
        } catch (Exception e) {
            InvalidSettingsException invalid = find(e, InvalidSettingsException.class);
            if (invalid != null) {
                err.println("outbox-relay: " + invalid.getMessage());
                return USAGE;
            }
            err.println("outbox-relay: " + e.getMessage());
            return FAILURE;
        }
    }

    static String usage() {
        return """
                Usage: java -jar outbox-relay.jar [COMMAND]
                  run (default)   run the relay in this folder (config/, routes/, templates/, outbox/, data/)
                  login           sign in to the mail account (OAuth2 device code flow); stores the refresh token
                  render --template NAME --model FILE [--locale L] [--out DIR]
                                  preview a template: writes subject, text, HTML and message.eml, sends nothing
                  check           check settings, routes/*.camel.yaml and templates; lists each problem as FILE:LINE
                """ + QueueCommand.usage().indent(2) + """
                  help            this text
                """;
    }

    private static java.util.Map<String, String> systemProperties() {
        java.util.Map<String, String> all = new java.util.HashMap<>();
        System.getProperties().stringPropertyNames().forEach(k -> all.put(k, System.getProperty(k)));
        return all;
    }

    static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
