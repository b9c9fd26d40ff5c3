package org.outboxrelay.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

import org.outboxrelay.config.IdleMemoryRelease;
import org.outboxrelay.config.InvalidSettingsException;
import org.outboxrelay.config.LogFormat;
import org.outboxrelay.jvm.RelayJvm;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code java -jar outbox-relay.jar [COMMAND]}, on picocli: without a command (or with {@code run}) the relay runs.
 * A new command is a class annotated {@code @Command} that implements {@code Callable<Integer>} (its exit code)
 * and takes a {@link CliOutput} in its constructor, listed in {@code subcommands} below. picocli generates the
 * help, answers a mistyped command or option with "Did you mean ...?", and usage errors exit 2.
 * Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage.
 */
@Command(name = "outbox-relay",
        description = {"Takes outbound mail jobs (outbox folder, JMS queue mail.jobs, HTTP API) and delivers them over"
                + " SMTP.", "Run it in the relay's folder: config/, routes/ and templates/ are read from there, outbox/"
                + " and data/ are created there."},
        synopsisSubcommandLabel = "[COMMAND]",
        subcommands = {RunCommand.class, LoginCommand.class, RenderCommand.class, CheckCommand.class,
                QueueCommand.class, DoctorCommand.class, SuppressionCommand.class, DkimCommand.class,
                BrokerCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Without a command the relay runs. Exit codes: 0 success, 1 runtime failure, 2 bad"
                + " configuration or usage."})
public final class RelayCli implements Callable<Integer> {

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    static final Path CONFIG = Path.of("config", "application.properties");
    private static final int WIDTH = 110;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    private final CliOutput io;

    RelayCli(CliOutput io) {
        this.io = io;
    }

    /** No command: run the relay. */
    @Override
    public Integer call() throws Exception {
        return new RunCommand(io).call();
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
        return commandLine(new CliOutput(out, err)).execute(args);
    }

    /** The whole command line, writing to {@code io}. */
    static CommandLine commandLine(CliOutput io) {
        return configure(new CommandLine(new RelayCli(io), new Factory(io)), io);
    }

    /** Streams, help without colours, and the exit codes of the contract for usage errors and failures. */
    static CommandLine configure(CommandLine cl, CliOutput io) {
        cl.setOut(writer(io.out()));
        cl.setErr(writer(io.err()));
        cl.setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF));
        cl.setUsageHelpWidth(WIDTH);
        cl.setParameterExceptionHandler(RelayCli::usageError);
        cl.setExecutionExceptionHandler(RelayCli::failure);
        addHelpOption(cl);
        return cl;
    }

    /** -h / --help on every command (picocli's own help command has them already). */
    private static void addHelpOption(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.findOption("--help") == null && !(cl.getCommand() instanceof CommandLine.HelpCommand)) {
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help.").build());
        }
        cl.getSubcommands().values().forEach(RelayCli::addHelpOption);
    }

    /** The help of the whole command line. */
    static String usage() {
        return commandLine(new CliOutput(System.out, System.err)).getUsageMessage(Help.Ansi.OFF);
    }

    /** The help of one command, as a usage error prints it: {@code usageOf("render")}, {@code usageOf("queue", "dead")}. */
    static String usageOf(String... path) {
        CommandLine cl = commandLine(new CliOutput(System.out, System.err));
        for (String name : path) {
            cl = cl.getSubcommands().get(name);
        }
        return cl.getUsageMessage(Help.Ansi.OFF);
    }

    /** A bad command line: what is wrong, "Did you mean ...?" when a name is close to a known one, the help; exit 2. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.print(cl.getUsageMessage(Help.Ansi.OFF));
        err.flush();
        return USAGE;
    }

    /**
     * A command failed: one line, no stack trace; 2 when the settings are the cause (or the failure says it is a
     * usage error, {@link ExitCode}), else 1.
     */
    private static int failure(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        InvalidSettingsException invalid = find(e, InvalidSettingsException.class);
        err.println("outbox-relay: " + (invalid != null ? invalid.getMessage() : e.getMessage()));
        err.flush();
        if (invalid != null) {
            return USAGE;
        }
        return e instanceof ExitCode code ? code.exitCode() : FAILURE;
    }

    /** A failure that knows the exit code it stands for. */
    public interface ExitCode {
        int exitCode();
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new java.io.OutputStreamWriter(stream, Charset.defaultCharset()), true);
    }

    static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /** Builds each command with the streams of this command line when it takes them. */
    private record Factory(CliOutput io) implements IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                return type.getDeclaredConstructor(CliOutput.class).newInstance(io);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}
