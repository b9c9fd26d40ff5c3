package org.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.outboxrelay.console.ConsoleOverview;
import org.outboxrelay.console.JobSearch;
import org.outboxrelay.console.JobSearch.Criteria;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.StateDatabase;

/**
 * How fast the console's mail search is on a job store of 1,000,000 jobs, on the embedded SQLite and on PostgreSQL 15:
 * the store is made by the project's Flyway migrations, filled as the relay fills it (a job with 1 to 3
 * recipients and its history: received, then sent, deferred or failed; a few bounces and suppressions; one
 * address that gets 10,000 of the mails, the way a shared mailbox does) over 30 days, and each kind of search
 * runs 30 times through {@link JobSearch}, the class the console calls. Reports median, 95th percentile and
 * maximum per kind, and with {@code --explain} the database's plan of each query.
 *
 * <p>Run by hand: {@code bench/run ConsoleSearchBenchmark [--jobs 1000000] [--db sqlite|postgresql|both] [--explain]
 * [--dir DIR]}. PostgreSQL runs from /usr/lib/postgresql/15/bin as the user postgres (initdb refuses root) in a
 * temporary folder on a free loopback port, and is stopped at the end. With {@code --dir} the filled databases
 * are kept there and used again by the next run (filling 1,000,000 jobs takes minutes).
 */
public final class ConsoleSearchBenchmark {

    private static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final int RUNS = 30;
    private static final String HOT = "shared-inbox@example.com";
    private static final String RARE = "jane.doe@example.org";

    private final int jobs;
    private final boolean explain;
    private final Instant now;

    private ConsoleSearchBenchmark(int jobs, boolean explain, Instant now) {
        this.jobs = jobs;
        this.explain = explain;
        this.now = now;
    }

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        int jobs = a.contains("--jobs") ? Integer.parseInt(a.get(a.indexOf("--jobs") + 1)) : 1_000_000;
        String db = a.contains("--db") ? a.get(a.indexOf("--db") + 1) : "both";
        boolean keep = a.contains("--dir");
        Path dir = keep ? Path.of(a.get(a.indexOf("--dir") + 1)).toAbsolutePath()
                : Files.createTempDirectory("console-bench");
        Files.createDirectories(dir);
        // the data is laid out around the moment it was made: a kept store keeps its moment
        Path moment = dir.resolve("now-" + jobs + ".txt");
        if (!Files.exists(moment)) {
            Files.writeString(moment, Instant.now().toString());
        }
        ConsoleSearchBenchmark bench = new ConsoleSearchBenchmark(jobs, a.contains("--explain"),
                Instant.parse(Files.readString(moment).trim()));
        if (!db.equals("postgresql")) {
            Path sqlite = dir.resolve("sqlite-" + jobs);
            boolean filled = Files.exists(sqlite.resolve(StateDatabase.EMBEDDED_FILE));
            // opened as the relay opens its embedded store
            try (StateDatabase store = StateDatabase.embedded(sqlite)) {
                bench.run("SQLite " + org.sqlite.SQLiteJDBCLoader.getVersion(), store.dataSource(), filled);
            }
        }
        if (!db.equals("sqlite")) {
            if (!Files.isExecutable(PG_BIN.resolve("initdb"))) {
                BenchSupport.report("PostgreSQL: skipped, no binaries in %s", PG_BIN);
            } else {
                Path pgDir = dir.resolve("pg-" + jobs);
                boolean filled = Files.exists(pgDir.resolve("data"));
                try (Postgres pg = Postgres.start(pgDir); HikariDataSource ds = pool(pg.url(), "relay")) {
                    bench.run("PostgreSQL " + pg.version(), ds, filled);
                }
            }
        }
        if (!keep) {
            deleteTree(dir);
        }
    }

    private void run(String name, DataSource ds, boolean filled) throws Exception {
        if (!filled) {
            StateDatabase.migrate(ds);
            long start = System.nanoTime();
            fill(ds);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("ANALYZE"); // what autovacuum (PostgreSQL) does in a live store
            }
            BenchSupport.report("%s: %,d jobs stored in %d s", name, jobs,
                    (System.nanoTime() - start) / 1_000_000_000);
        } else {
            // a kept store made by an earlier version of the migrations gets the newer ones
            StateDatabase.migrate(ds);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("ANALYZE");
            }
        }
        JobSearch search = new JobSearch(ds);
        String someId = id(jobs / 2);
        String someMessageId = messageId(jobs / 3);
        Instant dayAgo = now.minus(Duration.ofDays(1));
        String deepCursor = search.search(criteria(null, null, null, null, null, now.minus(Duration.ofDays(20)),
                null, null)).next();
        Map<String, Criteria> kinds = new LinkedHashMap<>();
        kinds.put("newest 50 (no criteria)", criteria(null, null, null, null, null, null, null, null));
        kinds.put("a page 20 days back (cursor)", criteria(null, null, null, null, null, null, null, deepCursor));
        kinds.put("id", criteria(someId, null, null, null, null, null, null, null));
        kinds.put("Message-ID", criteria(someMessageId, null, null, null, null, null, null, null));
        kinds.put("recipient, 5 jobs", criteria(null, RARE, null, null, null, null, null, null));
        kinds.put("recipient, 10,000 jobs", criteria(null, HOT, null, null, null, null, null, null));
        kinds.put("recipient, 10,000 jobs, failed", criteria(null, HOT, null, "failed", null, null, null, null));
        kinds.put("recipient, a few jobs", criteria(null, address(jobs / 4, 0), null, null, null, null, null, null));
        kinds.put("status failed", criteria(null, null, null, "failed", null, null, null, null));
        kinds.put("status deferred", criteria(null, null, null, "deferred", null, null, null, null));
        kinds.put("status bounced (recipient)", criteria(null, null, null, "bounced", null, null, null, null));
        kinds.put("channel outbox", criteria(null, null, null, null, "outbox", null, null, null));
        kinds.put("one hour, 12 days ago", criteria(null, null, null, null, null, now.minus(Duration.ofDays(12)),
                now.minus(Duration.ofDays(12)).plus(Duration.ofHours(1)), null));
        kinds.put("failed + jms + last day", criteria(null, null, null, "failed", "jms", dayAgo, null, null));
        kinds.put("subject, common word", criteria(null, null, "password", null, null, null, null, null));
        kinds.put("subject, newest match", criteria(null, null, "order " + (jobs - 17), null, null, null, null,
                null));
        kinds.put("subject + last day", criteria(null, null, "invoice 9", null, null, dayAgo, null, null));
        kinds.put("subject, no match, 30 days", criteria(null, null, "no such subject", null, null,
                now.minus(Duration.ofDays(31)), null, null));
        for (Map.Entry<String, Criteria> kind : kinds.entrySet()) {
            measure(ds, name, kind.getKey(), () -> search.search(kind.getValue()).jobs().size());
            if (explain) {
                explain(ds, search.query(kind.getValue()));
            }
        }
        ConsoleOverview overview = new ConsoleOverview(ds, Clock.fixed(now, java.time.ZoneOffset.UTC),
                "relay@example.com", 0);
        measure(ds, name, "overview: last hour", () -> overview.flow().outcomes().size());
        measure(ds, name, "overview: backlog", () -> (int) overview.backlog().queued());
        measure(ds, name, "one job with its history", () -> search.job(someId).orElseThrow().events().size());
    }

    private static Criteria criteria(String id, String recipient, String subject, String status, String channel,
            Instant from, Instant to, String after) {
        return new Criteria(id, recipient, subject, status, channel, from, to, after, 50);
    }

    private interface Query {
        int run() throws Exception;
    }

    private void measure(DataSource ds, String db, String kind, Query query) throws Exception {
        for (int i = 0; i < 5; i++) {
            query.run(); // warm-up: JIT, the database's caches and prepared plans
        }
        long[] nanos = new long[RUNS];
        long[] cpu = new long[RUNS];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int found = 0;
        for (int i = 0; i < RUNS; i++) {
            touch(ds);
            long c = threads.getCurrentThreadCpuTime();
            long t = System.nanoTime();
            found = query.run();
            nanos[i] = System.nanoTime() - t;
            cpu[i] = threads.getCurrentThreadCpuTime() - c;
        }
        Arrays.sort(nanos);
        Arrays.sort(cpu);
        // SQLite runs in this thread: its CPU time is the query's cost whatever else the machine does; PostgreSQL's is
        // in its own process (the column then shows the client's share only)
        BenchSupport.report("%-12s %-32s %5d rows  median %7.1f ms  p95 %7.1f ms  max %7.1f ms  CPU median %6.1f ms",
                db.split(" ")[0], kind, found, nanos[RUNS / 2] / 1e6, nanos[(int) (RUNS * 0.95)] / 1e6,
                nanos[RUNS - 1] / 1e6, cpu[RUNS / 2] / 1e6);
    }

    /**
     * A write to each table, as a live relay makes all the time: a database that kept a query's result (H2 did)
     * would answer a query on tables that did not change from it, which would measure nothing.
     */
    private static void touch(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE mail_job SET attempts = attempts WHERE id = '" + id(0) + "'");
            s.executeUpdate("UPDATE job_recipient SET reply = reply WHERE job_id = '" + id(0) + "'");
            s.executeUpdate("UPDATE job_event SET node = node WHERE id = 1");
        }
    }

    private static void explain(DataSource ds, JobSearch.Query q) throws Exception {
        if (q == null) {
            return;
        }
        String explain = StateDatabase.dialectOf(ds) == StateDatabase.Dialect.SQLITE ? "EXPLAIN QUERY PLAN " : "EXPLAIN ";
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(explain + q.sql())) {
            for (int i = 0; i < q.args().size(); i++) {
                p.setObject(i + 1, q.args().get(i));
            }
            StringBuilder plan = new StringBuilder();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    plan.append(r.getString(r.getMetaData().getColumnCount())).append('\n');
                }
            }
            BenchSupport.report("plan:\n%s", plan);
        }
    }

    // --- the store, filled as the relay fills it ---------------------------------------------------------

    private static String id(int n) {
        // applications' own ids: spread over the key space like UUIDs, not in insertion order
        return "app-" + Long.toHexString(mix(n)) + "-" + n;
    }

    private static String messageId(int n) {
        return "<" + Long.toHexString(mix(n * 31L + 7)) + ".relay@example.com>";
    }

    private static String address(int n, int k) {
        return "user" + ((n * 7 + k * 13) % 400_000) + "@example" + (n % 50) + ".com";
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (x ^ (x >>> 33)) & Long.MAX_VALUE;
    }

    private void fill(DataSource ds) throws Exception {
        Random random = new Random(42);
        Instant first = now.minus(Duration.ofDays(30));
        long span = Duration.between(first, now).toMillis();
        String[] subjects = {"Your order %d", "Invoice %d", "Password reset", "Welcome to Example", "Newsletter %d",
                "Your order %d has shipped"};
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement job = c.prepareStatement("INSERT INTO mail_job (id, status, channel, admission,"
                    + " attempts, message_id, smtp_reply, reason, accepted, next_attempt_at, created_at, updated_at,"
                    + " account, node, subject, from_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                    // the relay's own statement: the row takes its job's created_at as the relay writes it
                    PreparedStatement rcpt = c.prepareStatement(JdbcJobStateStore.INSERT_RECIPIENT);
                    PreparedStatement event = c.prepareStatement("INSERT INTO job_event (job_id, at, status, node,"
                            + " attempt, message_id, smtp_reply, reason, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?,"
                            + " ?, ?, ?)")) {
                for (int n = 0; n < jobs; n++) {
                    Instant created = first.plusMillis(span * n / jobs);
                    int roll = random.nextInt(1000);
                    String status = n >= jobs - 200 ? "QUEUED" : roll < 960 ? "SENT" : roll < 980 ? "DEFERRED"
                            : "FAILED";
                    int ch = random.nextInt(20);
                    String channel = ch < 10 ? "http" : ch < 17 ? "jms" : "outbox";
                    String subject = n >= jobs - 100 ? "Order " + n
                            : String.format(subjects[random.nextInt(subjects.length)], random.nextInt(100_000));
                    String id = id(n);
                    Instant updated = created.plusSeconds(2);
                    job.setString(1, id);
                    job.setString(2, status);
                    job.setString(3, channel);
                    job.setString(4, channel + ":" + n);
                    job.setInt(5, status.equals("QUEUED") ? 0 : 1);
                    job.setString(6, status.equals("QUEUED") ? null : messageId(n));
                    job.setString(7, status.equals("SENT") ? "250 2.0.0 OK queued as " + n
                            : status.equals("FAILED") ? "550 5.1.1 User unknown"
                            : status.equals("DEFERRED") ? "451 4.7.1 Try again later" : null);
                    job.setString(8, status.equals("FAILED") ? "recipient refused" : null);
                    job.setObject(9, status.equals("SENT") ? 1 : null);
                    job.setTimestamp(10, status.equals("DEFERRED") ? Timestamp.from(updated.plusSeconds(60)) : null);
                    job.setTimestamp(11, Timestamp.from(created));
                    job.setTimestamp(12, Timestamp.from(updated));
                    job.setString(13, "relay@example.com");
                    job.setString(14, "relay-" + (n % 3));
                    job.setString(15, subject);
                    job.setString(16, "shop@example.com");
                    job.addBatch();

                    List<String> to = new ArrayList<>();
                    to.add(address(n, 0));
                    if (random.nextInt(4) == 0) {
                        to.add(address(n, 1));
                    }
                    if (n % (jobs / 10_000) == 0 && !to.contains(HOT)) {
                        to.add(HOT);
                    }
                    if (n % (jobs / 5) == 1) {
                        to.add(RARE);
                    }
                    for (String address : to) {
                        int r = random.nextInt(1000);
                        String rs = switch (status) {
                            case "SENT" -> r < 2 ? "bounced" : r < 3 ? "suppressed" : "sent";
                            case "FAILED" -> "refused";
                            case "DEFERRED" -> "deferred";
                            default -> "pending";
                        };
                        rcpt.setString(1, id);
                        rcpt.setString(2, address);
                        rcpt.setString(3, rs);
                        rcpt.setString(4, rs.equals("pending") ? null : "250 2.1.5 OK");
                        rcpt.setTimestamp(5, Timestamp.from(updated));
                        rcpt.setString(6, id);
                        rcpt.addBatch();
                    }

                    addEvent(event, id, created, "received", null, null, null, null, null);
                    switch (status) {
                        case "SENT" -> addEvent(event, id, updated, "sent", 1, messageId(n),
                                "250 2.0.0 OK queued as " + n, null, null);
                        case "DEFERRED" -> addEvent(event, id, updated, "deferred", 1, messageId(n),
                                "451 4.7.1 Try again later", "recipient deferred", updated.plusSeconds(60));
                        case "FAILED" -> addEvent(event, id, updated, "failed", 1, messageId(n),
                                "550 5.1.1 User unknown", "recipient refused", null);
                        default -> {
                        }
                    }
                    if ((n + 1) % 2000 == 0 || n == jobs - 1) {
                        job.executeBatch();
                        rcpt.executeBatch();
                        event.executeBatch();
                        c.commit();
                    }
                    if ((n + 1) % 100_000 == 0) {
                        BenchSupport.report("  %,d jobs stored", n + 1);
                    }
                }
            }
        }
    }

    private static void addEvent(PreparedStatement p, String id, Instant at, String status, Integer attempt,
            String messageId, String reply, String reason, Instant next) throws Exception {
        p.setString(1, id);
        p.setTimestamp(2, Timestamp.from(at));
        p.setString(3, status);
        p.setString(4, "relay-1");
        p.setObject(5, attempt);
        p.setString(6, messageId);
        p.setString(7, reply);
        p.setString(8, reason);
        p.setTimestamp(9, next == null ? null : Timestamp.from(next));
        p.addBatch();
    }

    private static HikariDataSource pool(String url, String user) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A throwaway PostgreSQL 15 cluster: initdb and pg_ctl as the user postgres, on a free loopback port. */
    private record Postgres(Path dir, int port, String version) implements AutoCloseable {

        static Postgres start(Path dir) throws Exception {
            Files.createDirectories(dir);
            run("chown", "postgres:postgres", dir.toString());
            // the parents must let postgres through (a temporary folder is root's only)
            for (Path p = dir.getParent(); p != null && !p.toString().equals("/"); p = p.getParent()) {
                if (p.toString().startsWith("/tmp/")) {
                    run("chmod", "o+x", p.toString());
                }
            }
            if (!Files.exists(dir.resolve("data"))) {
                run("runuser", "-u", "postgres", "--", PG_BIN.resolve("initdb").toString(), "-D",
                        dir.resolve("data").toString(), "-U", "relay", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8");
            }
            int port = BenchSupport.freePort();
            run("runuser", "-u", "postgres", "--", PG_BIN.resolve("pg_ctl").toString(), "-D",
                    dir.resolve("data").toString(), "-l", dir.resolve("log").toString(), "-w", "-o",
                    "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c shared_buffers=256MB", "start");
            String out = new String(new ProcessBuilder(PG_BIN.resolve("postgres").toString(), "--version")
                    .start().getInputStream().readAllBytes());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+\\.\\d+)").matcher(out);
            String version = m.find() ? m.group(1) : out.trim();
            return new Postgres(dir, port, version);
        }

        String url() {
            return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?reWriteBatchedInserts=true";
        }

        @Override
        public void close() throws Exception {
            run("runuser", "-u", "postgres", "--", PG_BIN.resolve("pg_ctl").toString(), "-D",
                    dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
        }

        private static void run(String... cmd) throws Exception {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
            }
        }
    }
}
