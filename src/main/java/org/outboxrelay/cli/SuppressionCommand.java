package org.outboxrelay.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import org.outboxrelay.suppression.SuppressionClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar outbox-relay.jar suppression list|add|remove|import|export}: the suppression list of the running
 * relay, through its admin API ({@link SuppressionClient}). Exit 0 done, 1 the relay failed or cannot be reached,
 * 2 bad usage.
 */
@Command(name = "suppression", mixinStandardHelpOptions = true,
        description = "The suppression list: addresses no job is sent to (bounced, complained, unsubscribed, by hand).",
        subcommands = {SuppressionCommand.ListEntries.class, SuppressionCommand.Add.class,
            SuppressionCommand.Remove.class, SuppressionCommand.Import.class, SuppressionCommand.Export.class})
public final class SuppressionCommand implements Callable<Integer> {

    private final java.util.function.Supplier<SuppressionClient> clientSource;
    private SuppressionClient client;
    final PrintStream out;
    final PrintStream err;

    public SuppressionCommand(SuppressionClient client, PrintStream out, PrintStream err) {
        this(() -> client, out, err);
    }

    /** As the command line builds it: the running relay of config/application.properties. */
    SuppressionCommand(CliOutput io) {
        this(() -> SuppressionClient.of(org.outboxrelay.config.CommandLineSettings.load(RelayCli.CONFIG)), io.out(),
                io.err());
    }

    private SuppressionCommand(java.util.function.Supplier<SuppressionClient> clientSource, PrintStream out,
            PrintStream err) {
        this.clientSource = clientSource;
        this.out = out;
        this.err = err;
    }

    /** The relay's admin API, looked up when a command needs it (not when help is shown). */
    SuppressionClient client() {
        if (client == null) {
            client = clientSource.get();
        }
        return client;
    }

    /** Runs one command line ({@code list ...}, {@code add ...}) with these streams; returns the exit code. */
    public static int run(SuppressionClient client, List<String> args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new SuppressionCommand(client, out, err));
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof SuppressionClient.Failure f) {
                err.println("suppression: " + f.getMessage());
                return f.status() == 400 ? RelayCli.USAGE : RelayCli.FAILURE;
            }
            if (e instanceof IOException) {
                err.println("suppression: " + e.getMessage());
                return RelayCli.USAGE;
            }
            throw e;
        });
        return cli.execute(args.toArray(new String[0]));
    }

    @Override
    public Integer call() {
        err.println("suppression: say what to do: list, add, remove, import or export (--help)");
        return RelayCli.USAGE;
    }

    @Command(name = "list", description = "Lists the entries, oldest first.")
    static final class ListEntries implements Callable<Integer> {
        @CommandLine.ParentCommand SuppressionCommand parent;
        @Option(names = "--list", description = "Only this list.") String list;
        @Option(names = "--address", description = "Only this address.") String address;
        @Option(names = "--limit", defaultValue = "1000", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() throws Exception {
            JsonNode entries = parent.client().list(list, address, limit);
            for (JsonNode e : entries) {
                parent.out.printf("%-40s %-12s %-13s %s%s%n", e.path("address").asText(),
                        e.path("list").asText("*"), e.path("reason").asText(), e.path("createdAt").asText(""),
                        e.has("detail") ? "  " + e.path("detail").asText() : "");
            }
            parent.out.println(entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies"));
            return RelayCli.OK;
        }
    }

    @Command(name = "add", description = "Suppresses addresses (for every list unless --list).")
    static final class Add implements Callable<Integer> {
        @CommandLine.ParentCommand SuppressionCommand parent;
        @Parameters(arity = "1..*", paramLabel = "ADDRESS") List<String> addresses;
        @Option(names = "--list", description = "Only for this list.") String list;
        @Option(names = "--reason", description = "hard-bounce, soft-bounces, complaint, unsubscribe or manual"
                + " (default).") String reason;
        @Option(names = "--detail", description = "A note kept with the entry.") String detail;

        @Override
        public Integer call() throws Exception {
            for (String a : addresses) {
                boolean added = parent.client().add(a, list, reason, detail);
                parent.out.println((added ? "added " : "already there: ") + a + (list == null ? "" : " (" + list + ")"));
            }
            return RelayCli.OK;
        }
    }

    @Command(name = "remove", description = "Lets jobs reach addresses again (from every list unless --list).")
    static final class Remove implements Callable<Integer> {
        @CommandLine.ParentCommand SuppressionCommand parent;
        @Parameters(arity = "1..*", paramLabel = "ADDRESS") List<String> addresses;
        @Option(names = "--list", description = "Only from this list.") String list;

        @Override
        public Integer call() throws Exception {
            int missing = 0;
            for (String a : addresses) {
                int n = parent.client().remove(a, list);
                parent.out.println(n > 0 ? "removed " + a : "not on the list: " + a);
                missing += n == 0 ? 1 : 0;
            }
            return missing == 0 ? RelayCli.OK : RelayCli.FAILURE;
        }
    }

    @Command(name = "import", description = "Adds each line of a CSV file: address[,list,reason,detail] with a"
            + " header line; - reads standard input.")
    static final class Import implements Callable<Integer> {
        @CommandLine.ParentCommand SuppressionCommand parent;
        @Parameters(paramLabel = "FILE") String file;

        @Override
        public Integer call() throws Exception {
            String csv = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file), StandardCharsets.UTF_8);
            JsonNode r = parent.client().importCsv(csv);
            parent.out.println("added " + r.path("added").asInt() + ", already there " + r.path("existing").asInt());
            for (JsonNode e : r.path("errors")) {
                parent.err.println(file + ":" + e.path("line").asInt() + ": " + e.path("message").asText());
            }
            return r.path("errors").isEmpty() ? RelayCli.OK : RelayCli.USAGE;
        }
    }

    @Command(name = "export", description = "Writes the list as CSV (address,list,reason,detail,created_at).")
    static final class Export implements Callable<Integer> {
        @CommandLine.ParentCommand SuppressionCommand parent;
        @Parameters(arity = "0..1", paramLabel = "FILE", description = "Default: standard output.") String file;
        @Option(names = "--list", description = "Only this list.") String list;

        @Override
        public Integer call() throws Exception {
            String csv = parent.client().exportCsv(list);
            if (file == null || file.equals("-")) {
                parent.out.print(csv);
            } else {
                Files.writeString(Path.of(file), csv, StandardCharsets.UTF_8);
                parent.out.println("wrote " + file);
            }
            return RelayCli.OK;
        }
    }
}
