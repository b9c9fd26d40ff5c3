package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.SQLException;
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
 * The job store's database: the embedded SQLite file {@code data/state/jobs.db} (one relay), or PostgreSQL shared
 * by several relays ({@code relay.state.url}). One schema, in versioned SQL files that Flyway applies at start:
 * {@code db/migration} for PostgreSQL, {@code db/sqlite} for SQLite (the same tables and versions in SQLite's
 * words); the relay's statements are the same on both.
 * <p>
 * SQLite keeps a write-ahead log ({@code journal_mode=WAL}) and syncs it at each commit
 * ({@code synchronous=FULL}): a commit is on disk before it returns, as on PostgreSQL, so a relay killed at any
 * moment (SIGKILL, the OOM killer, a power loss) comes back with every job it recorded as sent
 * (JobStoreCrashTest); readers never wait for the writer. Writers take turns ({@code busy_timeout}); the job
 * store's group commit makes a burst's writes few commits. Earlier versions kept the embedded store in H2
 * ({@code jobs.mv.db}): its file grew by hundreds of MB within a minute of a burst, since H2 writes each commit
 * as a new chunk and keeps it for 45 s; {@link H2StoreImport} moves such a store into SQLite once.
 * <p>
 * A full disk fails a write (SQLITE_FULL, rolled back); the database stays open and works again by itself once
 * there is space (StateDatabaseDiskFullTest).
 */
public final class StateDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateDatabase.class);
    private static final String POSTGRESQL_MIGRATIONS = "classpath:db/migration";
    private static final String SQLITE_MIGRATIONS = "classpath:db/sqlite";
    /** The embedded store's file in its folder. */
    public static final String EMBEDDED_FILE = "jobs.db";

    /** Which SQL the database speaks, where the two differ. */
    public enum Dialect { SQLITE, POSTGRESQL }

    private final Dialect dialect;
    private final StateSettings settings;
    private final HikariDataSource pool;
    /** The embedded store's group commits: one connection of their own (see {@link #groupWriter()}). */
    private final HikariDataSource writer;

    private StateDatabase(HikariConfig config, Dialect dialect, StateSettings settings) {
        this.dialect = dialect;
        this.settings = settings;
        this.pool = new HikariDataSource(config);
        try {
            this.writer = dialect == Dialect.SQLITE ? new HikariDataSource(oneConnection(config)) : null;
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** The pool's settings (file, options, which failures evict) for a pool of one connection: the group writer. */
    private static HikariConfig oneConnection(HikariConfig config) {
        HikariConfig one = new HikariConfig();
        config.copyStateTo(one);
        one.setPoolName("job-store-writer");
        one.setMaximumPoolSize(1);
        one.setMinimumIdle(1);
        return one;
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

    /**
     * Opens the pool without touching the schema. An embedded store an earlier version left in H2 is moved into
     * SQLite first, so that no empty SQLite file is ever made beside it.
     */
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
            java.nio.file.Path file = settings.embeddedDir().toAbsolutePath().resolve(EMBEDDED_FILE);
            try {
                java.nio.file.Files.createDirectories(file.getParent());
                EmbeddedStoreDataSource.loadNativeLibrary(file.getParent());
                H2StoreImport.ifPresent(settings.embeddedDir(), file);
            } catch (StateStoreException e) {
                throw e;
            } catch (java.io.IOException | RuntimeException e) {
                throw new StateStoreException("cannot open the " + settings + ": " + rootMessage(e), e);
            }
            config.setDataSource(new EmbeddedStoreDataSource(file));
            config.setExceptionOverride(new SQLExceptionOverride() {
                @java.lang.Override
                public SQLExceptionOverride.Override adjudicate(SQLException e) {
                    return EmbeddedStoreDataSource.afterFailure(e);
                }
            });
            dialect = Dialect.SQLITE;
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

    private Flyway flyway() {
        return flyway(pool, dialect);
    }

    /** Brings the schema of any database up to this relay's version (tests and tools). */
    public static void migrate(DataSource dataSource) {
        migrate(dataSource, dialectOf(dataSource));
    }

    /** SQLite's or another (PostgreSQL's, or H2's in its PostgreSQL mode) by what the database calls itself. */
    public static Dialect dialectOf(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return "SQLite".equalsIgnoreCase(c.getMetaData().getDatabaseProductName()) ? Dialect.SQLITE
                    : Dialect.POSTGRESQL;
        } catch (SQLException e) {
            throw new StateStoreException("cannot reach the job store: " + rootMessage(e), e);
        }
    }

    /** Brings the schema of a database of {@code dialect} up to this relay's version (tests and tools). */
    public static void migrate(DataSource dataSource, Dialect dialect) {
        flyway(dataSource, dialect).migrate();
    }

    static Flyway flyway(DataSource dataSource, Dialect dialect) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(dialect == Dialect.SQLITE ? SQLITE_MIGRATIONS : POSTGRESQL_MIGRATIONS)
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

    /** Null when the store answers a query now, else why not. */
    public String answerProblem() {
        try (Connection c = pool.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return null;
        } catch (SQLException e) {
            return "the " + settings + " does not answer: " + rootMessage(e);
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    /**
     * Where the job store's group commits write. On SQLite, one connection of their own: a connection's page cache
     * is dropped whenever another connection committed since its last transaction, so group commits taken on any of
     * the pool's connections (they run one at a time) read every page they touch from the file again; on a
     * connection that alone writes, the cache stays. On PostgreSQL, the pool.
     */
    public DataSource groupWriter() {
        return writer != null ? writer : pool;
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

    /** Closes every connection; the last one checkpoints the embedded store's log into its file. */
    @Override
    public void close() {
        if (writer != null) {
            writer.close();
        }
        pool.close();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
