package org.outboxrelay.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.outboxrelay.config.CommandLineSettings;
import org.outboxrelay.config.Settings;
import org.outboxrelay.http.AdminSocket;
import org.outboxrelay.observe.QueueTools;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar outbox-relay.jar queue status | dead list | dead show ID | dead retry ID|--all |
 * dead purge ID|--all}: the queues of the running relay - through the admin socket of the relay running in this
 * folder (data/admin.sock, its user's only: nothing to set), or, when set, over its broker's network acceptor
 * (relay.broker.listen with relay.broker.user/password) or the external broker (relay.broker.url).
 */
@Command(name = "queue", description = {"The queues of the running relay: queue status, queue dead list|show|retry|purge"
        + " (over the broker's network acceptor, like postqueue and qshape)."},
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {QueueCommand.Status.class, QueueCommand.Dead.class})
public final class QueueCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private final Supplier<Settings> settings;
    private final PrintStream out;
    private final PrintStream err;

    QueueCommand(CliOutput io) {
        this(() -> CommandLineSettings.load(RelayCli.CONFIG), io);
    }

    QueueCommand(Settings settings, PrintStream out, PrintStream err) {
        this(() -> settings, new CliOutput(out, err));
    }

    private QueueCommand(Supplier<Settings> settings, CliOutput io) {
        this.settings = settings;
        this.out = io.out();
        this.err = io.err();
    }

    /** Runs {@code queue ARGS} as the command line does (the tests call it with their own settings). */
    int run(List<String> args) {
        CliOutput io = new CliOutput(out, err);
        return RelayCli.configure(new CommandLine(this), io).execute(args.toArray(new String[0]));
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "say what: status, or dead list|show|retry|purge");
    }

    /** What the command does with the relay's queues; returns the exit code. */
    interface Action {
        int run(QueueAccess tools) throws Exception;
    }

    /**
     * Reaches the relay's queues and runs {@code action}: over the broker when a network way is set
     * (relay.broker.url, or relay.broker.listen with a login: a relay on another machine), else through the admin
     * socket of the relay running in this folder (data/admin.sock, nothing to set); says what to do when neither
     * is there.
     */
    int withTools(Action action) {
        Settings s = settings.get();
        Optional<String> url = s.get("relay.broker.url");
        Optional<String> listen = s.get("relay.broker.listen");
        // an operator's tool: the admin login when there is one (the producer login cannot read mail.dead)
        boolean admin = s.get("relay.broker.admin-user").isPresent();
        String user = s.get(admin ? "relay.broker.admin-user" : "relay.broker.user").orElse(null);
        String password = s.get(admin ? "relay.broker.admin-password" : "relay.broker.password").orElse(null);
        QueueAccess tools;
        if (url.isPresent() || (listen.isPresent() && user != null && password != null)) {
            String brokerUrl = url.orElseGet(() -> "tcp://" + listen.get().replace("0.0.0.0", "127.0.0.1")
                    + "?reconnectAttempts=0");
            tools = QueueAccess.broker(new QueueTools(new ActiveMQConnectionFactory(brokerUrl), user, password,
                    Clock.systemUTC(), s.bytes(org.outboxrelay.config.SettingsCatalog.MAX_MESSAGE_BYTES)), brokerUrl);
        } else {
            AdminSocketClient socket = new AdminSocketClient(s.path(org.outboxrelay.config.SettingsCatalog.DATA_DIR)
                    .resolve(AdminSocket.FILE_NAME));
            if (!socket.present()) {
                err.println("queue: no relay runs in this folder (" + socket.socket() + " is missing). Start the"
                        + " relay here or run this command in its folder; for a relay elsewhere set relay.broker.url,"
                        + " or relay.broker.listen with relay.broker.user and relay.broker.password (the embedded"
                        + " broker then accepts logins on that address), or use the HTTP admin API");
                return RelayCli.FAILURE;
            }
            tools = new SocketQueueAccess(socket);
        }
        try {
            return action.run(tools);
        } catch (Exception e) {
            err.println("queue: cannot talk to " + tools.describe() + ": " + e.getMessage());
            return RelayCli.FAILURE;
        }
    }

    @Command(name = "status", description = "Jobs waiting and dead letters, by age (like qshape).")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        QueueCommand queue;

        @Override
        public Integer call() {
            return queue.withTools(tools -> {
                queue.status(tools);
                return RelayCli.OK;
            });
        }
    }

    @Command(name = "dead", description = "The dead letters on mail.dead.", synopsisSubcommandLabel = "COMMAND",
            subcommands = {DeadList.class, DeadShow.class, DeadRetry.class, DeadPurge.class})
    static final class Dead implements Callable<Integer> {
        @ParentCommand
        QueueCommand queue;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "say what: list, show ID, retry ID|--all, purge ID|--all");
        }
    }

    @Command(name = "list", description = "The dead letters, one line each.")
    static final class DeadList implements Callable<Integer> {
        @ParentCommand
        Dead dead;

        @Override
        public Integer call() {
            return dead.queue.withTools(tools -> {
                dead.queue.list(tools);
                return RelayCli.OK;
            });
        }
    }

    @Command(name = "show", description = "One dead letter, with its reason and content.")
    static final class DeadShow implements Callable<Integer> {
        @ParentCommand
        Dead dead;
        @Parameters(paramLabel = "ID", description = "The job id.")
        String id;

        @Override
        public Integer call() {
            QueueCommand queue = dead.queue;
            return queue.withTools(tools -> {
                Optional<QueueTools.DeadLetter> d = tools.deadLetter(id);
                if (d.isEmpty()) {
                    queue.err.println("queue: no dead letter " + id);
                    return RelayCli.FAILURE;
                }
                queue.show(d.get());
                return RelayCli.OK;
            });
        }
    }

    /** ID or --all, exactly one of them. */
    abstract static class OneOrAll implements Callable<Integer> {
        @ParentCommand
        Dead dead;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "ID", arity = "0..1", description = "The job id.")
        String id;
        @Option(names = "--all", description = "Every dead letter.")
        boolean all;

        String target() {
            if ((id == null) == !all) {
                throw new ParameterException(spec.commandLine(), "give an ID or --all");
            }
            return id;
        }
    }

    @Command(name = "retry", description = "Send dead letters again (same id: never sent twice).")
    static final class DeadRetry extends OneOrAll {
        @Override
        public Integer call() {
            String target = target();
            return dead.queue.withTools(tools -> {
                QueueTools.RetryResult r = tools.retryDead(target);
                dead.queue.out.println(r.retried() + " dead letter(s) queued again on mail.jobs");
                for (QueueTools.DeadLetter d : r.skipped()) {
                    dead.queue.out.println("not sent again: " + d.id() + ": " + String.join("; ", d.problems()));
                }
                return r.retried() == 0 && target != null ? RelayCli.FAILURE : RelayCli.OK;
            });
        }
    }

    @Command(name = "purge", description = "Delete dead letters.")
    static final class DeadPurge extends OneOrAll {
        @Override
        public Integer call() {
            String target = target();
            return dead.queue.withTools(tools -> {
                int n = tools.purge(target);
                dead.queue.out.println(n + " dead letter(s) deleted");
                return n == 0 && target != null ? RelayCli.FAILURE : RelayCli.OK;
            });
        }
    }

    private void status(QueueAccess tools) throws Exception {
        out.printf("%-10s %7s %8s %8s", "queue", "total", "deferred", "oldest");
        for (String label : QueueTools.AGE_LABELS) {
            out.printf(" %7s", label);
        }
        out.println();
        for (String queue : List.of(QueueTools.QueueNames.JOBS, QueueTools.QueueNames.DEAD)) {
            QueueTools.QueueStatus s = tools.status(queue);
            out.printf("%-10s %7d %8d %8s", queue, s.total(), s.deferred(), s.total() == 0 ? "-" : age(s.oldest()));
            for (long n : s.byAge()) {
                out.printf(" %7d", n);
            }
            out.println();
        }
    }

    private void list(QueueAccess tools) throws Exception {
        List<QueueTools.DeadLetter> dead = tools.deadLetters();
        if (dead.isEmpty()) {
            out.println("mail.dead is empty");
            return;
        }
        out.printf("%-40s %-20s %-8s %-8s %s%n", "ID", "FAILED AT", "ATTEMPTS", "CHANNEL", "REASON");
        for (QueueTools.DeadLetter d : dead) {
            String reason = d.reason() == null ? "" : d.reason();
            out.printf("%-40s %-20s %-8d %-8s %s%n", d.id(), d.failedAt() == null ? "-" : toSeconds(d.failedAt()), d.attempts(),
                    d.channel() == null ? "-" : d.channel(), reason.length() > 120 ? reason.substring(0, 117) + "..." : reason);
            for (String problem : d.problems()) {
                out.printf("%-40s BAD: %s%n", "", problem); // a letter the relay did not write, or a client's bad values
            }
        }
    }

    private void show(QueueTools.DeadLetter d) {
        out.println("id:           " + d.id());
        out.println("JMS id:       " + d.jmsMessageId());
        out.println("channel:      " + d.channel());
        out.println("attempts:     " + d.attempts());
        out.println("failed at:    " + d.failedAt());
        out.println("reason:       " + d.reason());
        out.println("SMTP reply:   " + d.smtpReply());
        if (d.outboxFile() != null) {
            out.println("outbox file:  " + d.outboxFile());
        }
        out.println("content type: " + d.contentType());
        for (String problem : d.problems()) {
            out.println("BAD:          " + problem);
        }
        out.println();
        out.println(d.payload() == null ? "(no content shown)" : d.payload());
    }

    /** 2026-11-23T03:04:53.990891098Z as 2026-11-23T03:04:53Z: the list is for reading, show has it all. */
    static String toSeconds(String instant) {
        return instant.replaceFirst("\\.\\d+Z$", "Z");
    }

    static String age(Duration d) {
        long m = d.toMinutes();
        if (m < 60) {
            return m + "m";
        }
        if (m < 48 * 60) {
            return (m / 60) + "h" + (m % 60) + "m";
        }
        return (m / 1440) + "d" + ((m % 1440) / 60) + "h";
    }
}
