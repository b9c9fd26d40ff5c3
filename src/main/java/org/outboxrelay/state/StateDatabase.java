package org.outboxrelay.state;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.outboxrelay.config.InvalidSettingsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job store's database: the embedded H2 file in {@code data/state/} (one relay), or PostgreSQL shared by
 * several relays ({@code relay.state.url}). One schema for both, in versioned SQL files
 * ({@code src/main/resources/db/migration}) that Flyway applies at start; H2 runs in its PostgreSQL mode so the
 * same SQL works on both.
 * <p>
 * Pooled with HikariCP rather than H2's own JdbcConnectionPool: that one rolls back every connection it takes
 * back, which empties H2's per-session query cache, so each statement of each job was parsed again (6.6% of the
 * relay's CPU samples in DeliveryBenchmark). HikariCP rolls back only a connection left in a transaction.
 * <p>
 * H2 closes its database for good when a write fails (a full disk): every connection then answers "the database
 * has been closed", and a new one gets the same answer while any old one is open. So on that answer the whole
 * pool is replaced at the next connection asked for: the file is opened again (H2 recovers it from its log), and
 * the store works again by itself once there is space.
 */
public final class StateDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateDatabase.class);
    private static final String MIGRATIONS = "classpath:db/migration";

    /** Which SQL the database speaks, where the two differ. */
    public enum Dialect { H2, POSTGRESQL }

    /** H2's error code for "the database has been closed". */
    private static final int DATABASE_IS_CLOSED = 90098;

    private final HikariConfig config;
    private final Dialect dialect;
    private final StateSettings settings;
    private final DataSource dataSource = new Reopening();
    private volatile HikariDataSource pool;
    private volatile boolean closedByH2;
    private volatile boolean closed;
    private long lastSaid;

    private StateDatabase(HikariConfig config, Dialect dialect, StateSettings settings) {
        this.config = config;
        this.dialect = dialect;
        this.settings = settings;
        this.pool = newPool();
    }

    /** Opens the store and brings its schema up to this relay's version. */
    public static StateDatabase open(StateSettings settings, String node) {
        StateDatabase db = connect(settings, node);
        try {
            db.migrate();
            return db;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The embedded store in {@code dir}, migrated (tests and tools). */
    public static StateDatabase embedded(java.nio.file.Path dir) {
        return open(new StateSettings(null, null, null, 16, dir), "relay");
    }

    /** Opens the pool without touching the schema ({@code check}). */
    public static StateDatabase connect(StateSettings settings, String node) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("job-store");
        Dialect dialect;
        if (settings.shared()) {
            config.setJdbcUrl(settings.url());
            config.setUsername(settings.user());
            config.setPassword(settings.password());
            config.addDataSourceProperty("ApplicationName", "outbox-relay " + node);
            // a dead relay's or a dead server's connection is noticed, so its advisory locks go
            config.addDataSourceProperty("tcpKeepAlive", "true");
            dialect = Dialect.POSTGRESQL;
        } else {
            // WRITE_DELAY=0: each commit is written to the file before it returns. H2's default (500 ms) keeps
            // the last half second of commits in memory only, and a relay killed then (SIGKILL, the OOM killer)
            // came back with jobs it had sent still "queued", or could send them again (JobStoreCrashTest)
            config.setJdbcUrl("jdbc:h2:file:" + settings.embeddedDir().toAbsolutePath().resolve("jobs")
                    + ";MODE=PostgreSQL;DB_CLOSE_ON_EXIT=FALSE;QUERY_CACHE_SIZE=64;WRITE_DELAY=0");
            config.setUsername("relay");
            config.setPassword("");
            dialect = Dialect.H2;
        }
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(2);
        // a store that does not answer fails a call after a few seconds (the job is rolled back and waits),
        // rather than holding every consumer for half a minute
        config.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
        config.setValidationTimeout(Duration.ofSeconds(2).toMillis());
        try {
            return new StateDatabase(config, dialect, settings);
        } catch (RuntimeException e) {
            throw new StateStoreException("cannot open the " + settings + ": " + rootMessage(e), e);
        }
    }

    private HikariDataSource newPool() {
        return newPool(false);
    }

    /** {@code reopen}: the embedded database is opened again, and only if its file is there (never a new one). */
    private HikariDataSource newPool(boolean reopen) {
        HikariConfig copy = new HikariConfig();
        config.copyStateTo(copy);
        if (dialect == Dialect.H2) {
            if (reopen) {
                copy.setJdbcUrl(config.getJdbcUrl() + ";IFEXISTS=TRUE");
            }
            copy.setExceptionOverride(new SQLExceptionOverride() {
                @java.lang.Override
                public SQLExceptionOverride.Override adjudicate(SQLException e) {
                    if (e.getErrorCode() == DATABASE_IS_CLOSED || writeFailed(e)) {
                        closedByH2 = true;
                        return SQLExceptionOverride.Override.MUST_EVICT;
                    }
                    return SQLExceptionOverride.Override.CONTINUE_EVICT;
                }
            });
        }
        return new HikariDataSource(copy);
    }

    /**
     * H2's store could not write its file (a full disk). H2 gives up on the database then, but the first answer
     * after that may be the write's own failure, held back until the next commit or rollback - also when space
     * has returned meanwhile - rather than "the database has been closed".
     */
    static boolean writeFailed(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof org.h2.mvstore.MVStoreException m
                    && m.getErrorCode() == org.h2.mvstore.DataUtils.ERROR_WRITING_FAILED) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pool, a new one when H2 closed the database under the old one. The database opened again is used only
     * when it holds the relay's tables: opened while the disk is still full (or while H2 still closes the old
     * one), H2 can show an empty database, and a store that forgot its jobs would send them again. Until then every
     * use fails as the closed database did, and the next one tries again.
     */
    private HikariDataSource current() throws SQLException {
        if (closedByH2 && !closed) {
            synchronized (this) {
                if (closedByH2 && !closed) {
                    pool.close();
                    HikariDataSource reopened;
                    try {
                        reopened = newPool(true);
                    } catch (RuntimeException e) {
                        throw new SQLException("the job store's database cannot be opened again yet: "
                                + rootMessage(e), "08001", DATABASE_IS_CLOSED, e);
                    }
                    if (tablesProblem(reopened) != null) {
                        recreate(reopened);
                    }
                    pool = reopened;
                    closedByH2 = false;
                    // while the disk stays full this repeats at each use: said at most once a minute
                    long now = System.nanoTime();
                    if (now - lastSaid > 60_000_000_000L || lastSaid == 0) {
                        lastSaid = now;
                        LOG.warn("The job store's database was closed by H2 after a failed write (a full disk?); it"
                                + " is opened again (it recovers from its own log)");
                    }
                }
            }
        }
        return pool;
    }

    /**
     * H2 came back from a full disk without the relay's tables: its file lost what it held (seen when the disk
     * filled to the last byte under a busy relay). The relay cannot know again what was sent; it says so loudly
     * once, makes the tables again and goes on, since the jobs themselves wait on the broker, not here.
     */
    private void recreate(HikariDataSource reopened) throws SQLException {
        try {
            flyway(reopened).migrate();
        } catch (RuntimeException e) {
            reopened.close();
            throw new SQLException("the job store's database cannot be opened again yet: " + rootMessage(e), "08001",
                    DATABASE_IS_CLOSED, e);
        }
        LOG.error("The job store's database came back empty after the disk was full: H2 lost what it held (job"
                + " statuses, ids, history, suppression list). Its tables are made again and delivery goes on; jobs"
                + " waiting on the broker are sent, but a job id sent before may be accepted and sent again, and"
                + " suppressed addresses must be imported again (suppression import). Keep relay.data.min-free"
                + " ahead of the disk, or use PostgreSQL (relay.state.url).");
    }

    /** Null when the relay's tables are there, else what the database says. */
    private static String tablesProblem(DataSource dataSource) {
        try (Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.executeQuery("SELECT COUNT(*) FROM mail_job WHERE 1 = 0").close();
            return null;
        } catch (SQLException e) {
            return rootMessage(e);
        }
    }

    private Flyway flyway() {
        return flyway(dataSource);
    }

    /** Brings the schema of any database up to this relay's version (tests and tools). */
    public static void migrate(DataSource dataSource) {
        flyway(dataSource).migrate();
    }

    private static Flyway flyway(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(MIGRATIONS)
                // a store made before Flyway managed it (tables, no history) is taken over by V1, whose
                // statements are all "if not exists"
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load();
    }

    /** The PostgreSQL advisory lock the relays take turns on while they look at and migrate the schema. */
    private static final long MIGRATION_LOCK = 0x6f7574626f78L; // "outbox"

    private void migrate() {
        if (dialect != Dialect.POSTGRESQL) {
            migrateNow();
            return;
        }
        // Flyway locks its own migrations, but not the first look at an empty database: relays started together
        // would each find the history table another one has just made, still empty, and stop ("Unable to
        // baseline"). One at a time, then. The lock is held on a connection of its own, outside the pool: Flyway
        // takes two of the pool's, and the smallest pool allowed (relay.state.pool-size=2) has no third.
        try (Connection c = lockConnection(); java.sql.Statement lock = c.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
            try {
                migrateNow();
            } finally {
                lock.execute("SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot migrate the " + settings + ": " + rootMessage(e), e);
        }
    }

    private Connection lockConnection() throws SQLException {
        java.util.Properties login = new java.util.Properties();
        if (settings.user() != null) {
            login.setProperty("user", settings.user());
        }
        if (settings.password() != null) {
            login.setProperty("password", settings.password());
        }
        login.setProperty("ApplicationName", "outbox-relay migration");
        return java.sql.DriverManager.getConnection(settings.url(), login);
    }

    private void migrateNow() {
        Flyway flyway = flyway();
        newerThanThisRelay(flyway.info()).ifPresent(problem -> {
            throw new InvalidSettingsException(problem);
        });
        int applied = flyway.migrate().migrationsExecuted;
        if (applied > 0) {
            LOG.info("Job store schema brought to version {} ({} migration(s) applied) in the {}",
                    flyway.info().current().getVersion(), applied, settings);
        }
    }

    /**
     * Why this relay must not use the store, if its schema is newer than the relay knows (a newer relay migrated
     * it): the relay would misread what the newer one writes.
     */
    public Optional<String> newerSchema() {
        return newerThanThisRelay(flyway().info());
    }

    private Optional<String> newerThanThisRelay(MigrationInfoService info) {
        MigrationVersion known = Arrays.stream(info.all()).filter(m -> m.getType() != null && !m.getType().isBaseline())
                .filter(m -> m.getState().isResolved()).map(MigrationInfo::getVersion).filter(v -> v != null)
                .max(Comparator.naturalOrder()).orElse(MigrationVersion.EMPTY);
        MigrationInfo current = info.current();
        if (current != null && current.getVersion() != null && current.getVersion().compareTo(known) > 0) {
            return Optional.of("the job store (" + settings + ") has schema version " + current.getVersion()
                    + ", newer than this relay knows (" + known + "): a newer relay version migrated it;"
                    + " run that version here too");
        }
        return Optional.empty();
    }

    /**
     * Null when the store answers a query now, else why not. A database H2 closed after a failed write is opened
     * again by the first failed use, so a second try tells whether it came back.
     */
    public String answerProblem() {
        SQLException last = null;
        for (int tries = 0; tries < 2; tries++) {
            try (Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                return null;
            } catch (SQLException e) {
                last = e;
            }
        }
        return "the " + settings + " does not answer: " + rootMessage(last);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** True for PostgreSQL shared by several relays. */
    public boolean shared() {
        return settings.shared();
    }

    public StateSettings settings() {
        return settings;
    }

    /** Closes every connection; the last one closes the embedded database file. */
    @Override
    public void close() {
        closed = true;
        pool.close();
    }

    /** The data source the store uses: connections of the current pool. */
    private final class Reopening implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return current().getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return current().getConnection(username, password);
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return pool.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            pool.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            pool.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return pool.getLoginTimeout();
        }

        @Override
        public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return pool.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return type.isInstance(pool) ? type.cast(pool) : pool.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return type.isInstance(pool) || pool.isWrapperFor(type);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
