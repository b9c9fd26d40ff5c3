package org.outboxrelay.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.outboxrelay.config.Settings;
import org.outboxrelay.http.AdminSocket;
import org.outboxrelay.observe.QueueTools;

/**
 * {@code java -jar outbox-relay.jar queue status | dead list | dead show ID | dead retry ID|--all |
 * dead purge ID|--all}: the queues of the running relay - through the admin socket of the relay running in this
 * folder (data/admin.sock, owner only: nothing to set), or, when set, over its broker's network acceptor
 * (relay.broker.listen with relay.broker.user/password) or the external broker (relay.broker.url).
 */
public final class QueueCommand {

    private final Settings settings;
    private final PrintStream out;
    private final PrintStream err;

    QueueCommand(Settings settings, PrintStream out, PrintStream err) {
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    static String usage() {
        return """
                  queue status               jobs waiting and dead letters, by age (like qshape)
                  queue dead list            the dead letters, one line each
                  queue dead show ID         one dead letter, with its reason and content
                  queue dead retry ID|--all  send dead letters again (same id: never sent twice)
                  queue dead purge ID|--all  delete dead letters""";
    }

    int run(List<String> args) {
        QueueAccess tools = access();
        if (tools == null) {
            return RelayCli.FAILURE;
        }
        try {
            String what = String.join(" ", args.subList(0, Math.min(2, args.size())));
            String target = args.size() > 2 ? args.get(2) : null;
            if (what.equals("status")) {
                status(tools);
                return RelayCli.OK;
            }
            if (what.equals("dead list")) {
                list(tools);
                return RelayCli.OK;
            }
            if (target == null) {
                err.println("queue: usage:\n" + usage());
                return RelayCli.USAGE;
            }
            String id = target.equals("--all") ? null : target;
            switch (what) {
                case "dead show" -> {
                    Optional<QueueTools.DeadLetter> d = id == null ? Optional.empty() : tools.deadLetter(id);
                    if (d.isEmpty()) {
                        err.println("queue: no dead letter " + target);
                        return RelayCli.FAILURE;
                    }
                    show(d.get());
                }
                case "dead retry" -> {
                    int n = tools.retry(id);
                    out.println(n + " dead letter(s) queued again on mail.jobs");
                    return n == 0 && id != null ? RelayCli.FAILURE : RelayCli.OK;
                }
                case "dead purge" -> {
                    int n = tools.purge(id);
                    out.println(n + " dead letter(s) deleted");
                    return n == 0 && id != null ? RelayCli.FAILURE : RelayCli.OK;
                }
                default -> {
                    err.println("queue: usage:\n" + usage());
                    return RelayCli.USAGE;
                }
            }
            return RelayCli.OK;
        } catch (Exception e) {
            err.println("queue: cannot talk to " + tools.describe() + ": " + e.getMessage());
            return RelayCli.FAILURE;
        }
    }

    /**
     * The network way when one is set (relay.broker.url, or relay.broker.listen with a login: for a relay on
     * another machine), else the admin socket of the relay running in this folder (data/admin.sock); null, with the
     * reason said, when neither is there.
     */
    private QueueAccess access() {
        Optional<String> url = settings.get("relay.broker.url");
        Optional<String> listen = settings.get("relay.broker.listen");
        String user = settings.get("relay.broker.user").orElse(null);
        String password = settings.get("relay.broker.password").orElse(null);
        if (url.isPresent() || (listen.isPresent() && user != null && password != null)) {
            String brokerUrl = url.orElseGet(() -> "tcp://" + listen.get().replace("0.0.0.0", "127.0.0.1")
                    + "?reconnectAttempts=0");
            return QueueAccess.broker(new QueueTools(new ActiveMQConnectionFactory(brokerUrl), user, password,
                    Clock.systemUTC()), brokerUrl);
        }
        AdminSocketClient socket = new AdminSocketClient(settings.path("relay.data.dir", "data")
                .resolve(AdminSocket.FILE_NAME));
        if (!socket.present()) {
            err.println("queue: no relay runs in this folder (" + socket.socket() + " is missing). Start the relay"
                    + " here, run this command in the relay's folder, or reach a relay elsewhere through its broker"
                    + " (relay.broker.url, or relay.broker.listen with relay.broker.user and relay.broker.password)"
                    + " or the HTTP admin API");
            return null;
        }
        return new SocketQueueAccess(socket);
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
        out.println();
        out.println(d.payload());
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
