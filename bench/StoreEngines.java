import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;


import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.JobOutcome;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.state.NewJob;
import org.outboxrelay.state.RecipientState;
import org.outboxrelay.state.StateDatabase;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * What the job store's writes cost on embedded databases, each made durable in the engine's own way (run by
 * bench/store-engines, never by mvn test; see README "Performance").
 *
 * <p>The relay's own store does the writes: {@link JdbcJobStateStore} with its group commit as the relay wires it
 * (commit delay 2 ms, groups gathered up to half the writers), called by {@code --threads} writers as the delivery
 * consumers call it; each job is its admission ({@code insertQueued}) and its outcome ({@code record}, sent). The
 * schema is made by the relay's migrations (db/sqlite on SQLite, db/migration on H2). Not made: the daily recipient count (only with
 * relay.limits.recipients-per-day), reads. Each engine first runs 2,000 jobs that are not counted.
 *
 * <p>Usage: {@code java -cp CLASSPATH bench/StoreEngines.java DIR [--jobs N] [--threads N] [ENGINE ...]} with
 * ENGINE among {@code sqlite-wal-full} (the relay's embedded store, opened by {@link StateDatabase}: each commit
 * appended to the write-ahead log and fsync'ed, survives a power loss), {@code sqlite-wal-normal} (appended with
 * write(2) only: survives a killed process; synced at checkpoints), {@code h2-write-delay-0} (the embedded store of
 * earlier versions: each commit written, not synced) and {@code h2-default} (H2's 500 ms write delay: a killed
 * process loses up to half a second of commits).
 */
public final class StoreEngines {

    static final List<String> ENGINES = List.of("sqlite-wal-full", "sqlite-wal-normal", "h2-write-delay-0", "h2-default");
    static final int WARM_UP = 2_000;
    static final Duration COMMIT_DELAY = Duration.ofMillis(2); // relay.state.commit-delay's default

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int jobs = 10_000;
        int threads = 16; // relay.delivery.consumers' default
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> jobs = positive(args, ++i, "--jobs");
                case "--threads" -> threads = positive(args, ++i, "--threads");
                default -> {
                    if (!ENGINES.contains(args[i])) {
                        throw new IllegalArgumentException("unknown engine or option " + args[i] + "; engines: "
                                + ENGINES);
                    }
                    names.add(args[i]);
                }
            }
        }
        if (names.isEmpty()) {
            names.addAll(ENGINES);
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "%d jobs, %d writers, 2 writes per job, group commit as the relay's%n%-18s %10s %16s %10s%n", jobs,
                threads, "engine", "jobs/s", "ms CPU per job", "files MB"));
        for (String name : names) {
            Path home = dir.resolve(name);
            run(name, home.resolve("warm-up"), WARM_UP, threads);
            table.append(run(name, home.resolve("measured"), jobs, threads));
        }
        System.out.print(table); // after the engines' own logs
    }

    static int positive(String[] args, int i, String option) {
        if (i >= args.length || !args[i].matches("[1-9][0-9]*")) {
            throw new IllegalArgumentException(option + " takes a whole number of at least 1");
        }
        return Integer.parseInt(args[i]);
    }

    /** The engine's line of the table. */
    static String run(String engine, Path home, int jobs, int threads) throws Exception {
        Files.createDirectories(home);
        String line;
        try (JdbcJobStateStore store = store(engine, home, threads)) {
            AtomicInteger next = new AtomicInteger();
            ExecutorService writers = Executors.newFixedThreadPool(threads);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                done.add(writers.submit(() -> {
                    for (int n = next.getAndIncrement(); n < jobs; n = next.getAndIncrement()) {
                        job(store, n);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuMillis = (os.getProcessCpuTime() - cpu0) / 1e6;
            writers.shutdown();
            line = String.format(Locale.ROOT, "%-18s %10.0f %16.3f %10d%n", engine, jobs / seconds, cpuMillis / jobs,
                    size(home) >> 20);
        }
        deleteTree(home);
        return line;
    }

    /** One job's two writes, as the delivery route makes them for a job sent at the first attempt. */
    static void job(JdbcJobStateStore store, int n) {
        String id = UUID.randomUUID().toString();
        String admission = "sha256:" + id.replace("-", "");
        String rcpt = "rcpt" + n + "@example.org";
        String subject = "Your order " + n + " has shipped";
        if (!store.insertQueued(new NewJob(id, "jms", admission, "bench@example.com", "bench@example.com", subject,
                List.of(rcpt), "relay-1"), Instant.now())) {
            throw new IllegalStateException("job " + id + " not admitted");
        }
        String messageId = "<" + id + "@bench.example.com>";
        if (!store.record(new JobOutcome(id, admission, JobStatus.SENT, 1, messageId, subject,
                "250 2.0.0 Ok: queued as " + id.substring(0, 8), null, null, 1, null,
                List.of(new RecipientState(rcpt, RecipientState.SENT, "250 2.1.5 Ok")), "relay-1", Instant.now()))) {
            throw new IllegalStateException("job " + id + " not recorded");
        }
    }

    /** The relay's store on the engine, with the relay's group commit for {@code writers} consumers. */
    static JdbcJobStateStore store(String engine, Path home, int writers) throws SQLException {
        int gather = Math.max(2, writers / 2); // as StateConfiguration
        if (engine.equals("sqlite-wal-full")) {
            StateDatabase db = StateDatabase.embedded(home); // the relay's embedded store, opened as the relay does
            return new JdbcJobStateStore(db.dataSource(), db, COMMIT_DELAY, gather);
        }
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(writers);
        if (engine.startsWith("h2-")) {
            // the embedded store of earlier versions (WRITE_DELAY=0), and H2's default
            config.setJdbcUrl("jdbc:h2:file:" + home.toAbsolutePath().resolve("jobs")
                    + ";MODE=PostgreSQL;DB_CLOSE_ON_EXIT=FALSE;QUERY_CACHE_SIZE=64"
                    + (engine.equals("h2-write-delay-0") ? ";WRITE_DELAY=0" : ""));
            config.setUsername("relay");
            config.setPassword("");
        } else {
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            sqlite.setBusyTimeout(10_000);
            SQLiteDataSource source = new SQLiteDataSource(sqlite);
            source.setUrl("jdbc:sqlite:" + home.toAbsolutePath().resolve("jobs.db"));
            config.setDataSource(source);
        }
        HikariDataSource pool = new HikariDataSource(config);
        StateDatabase.migrate(pool); // db/migration on H2, db/sqlite on SQLite
        return new JdbcJobStateStore(pool, pool, COMMIT_DELAY, gather);
    }

    static long size(Path home) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(home)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void deleteTree(Path p) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(p)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
