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
import org.sqlite.SQLiteConfig;

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

    private StateDatabase(HikariConfig config, Dialect dialect, StateSettings settings) {
        this.dialect = dialect;
        this.settings = settings;
        this.pool = new HikariDataSource(config);
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
                nativeLibraryIn(file.getParent());
                H2StoreImport.ifPresent(settings.embeddedDir(), file);
            } catch (StateStoreException e) {
                throw e;
            } catch (java.io.IOException | RuntimeException e) {
                throw new StateStoreException("cannot open the " + settings + ": " + rootMessage(e), e);
            }
            config.setDataSource(new EmbeddedStoreDataSource(sqliteOptions(), file));
            config.setExceptionOverride(new SQLExceptionOverride() {
                @java.lang.Override
                public SQLExceptionOverride.Override adjudicate(SQLException e) {
                    return sqliteConnectionAfter(e);
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

    /**
     * SQLite's driver unpacks its native library into a folder and loads it from there: the store's own folder
     * (owner-only, in {@code data/}) rather than the shared {@code /tmp}, which hardened machines mount
     * {@code noexec}. An operator's {@code -Dorg.sqlite.tmpdir} wins.
     */
    private static synchronized void nativeLibraryIn(java.nio.file.Path dir) {
        if (nativeLibraryLoaded) {
            return;
        }
        if (System.getProperty(SQLITE_LIBRARY_DIR) == null) {
            System.setProperty(SQLITE_LIBRARY_DIR, dir.toAbsolutePath().toString());
            // the driver deletes its copy when the JVM exits, but a killed relay (SIGKILL) leaves it (1 MB each)
            try (var copies = java.nio.file.Files.newDirectoryStream(dir, "sqlite-*-libsqlitejdbc.so*")) {
                for (java.nio.file.Path copy : copies) {
                    java.nio.file.Files.deleteIfExists(copy);
                }
            } catch (java.io.IOException e) {
                LOG.debug("Left copies of SQLite's native library in {}: {}", dir, e.toString());
            }
        }
        // loaded now, from where the property says: once loaded, it stays for the JVM's life
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
            nativeLibraryLoaded = true;
        } catch (Exception | LinkageError e) {
            throw new StateStoreException("cannot load SQLite's native library for the embedded job store from "
                    + System.getProperty(SQLITE_LIBRARY_DIR) + " (" + rootMessage(e) + "): that folder must allow"
                    + " execution (not mounted noexec); start the relay with -Dorg.sqlite.tmpdir=FOLDER naming one"
                    + " that does", e);
        }
    }

    private static boolean nativeLibraryLoaded;

    private static final String SQLITE_LIBRARY_DIR = "org.sqlite.tmpdir";

    /**
     * Whether a connection that met {@code e} may be used again. After a failed write to the file (a full disk, an
     * I/O error) SQLite may have rolled the transaction back by itself while its driver still counts one open:
     * every later commit on that connection would fail ("no transaction is active"), also once there is space.
     * Such a connection is closed and the pool opens a new one.
     */
    static SQLExceptionOverride.Override sqliteConnectionAfter(SQLException e) {
        return switch (e.getErrorCode() & 0xff) {
            case SQLITE_NOMEM, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB ->
                    SQLExceptionOverride.Override.MUST_EVICT;
            default -> SQLExceptionOverride.Override.CONTINUE_EVICT;
        };
    }

    /** SQLite's primary result codes after which a connection is not used again. */
    private static final int SQLITE_NOMEM = 7;
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_FULL = 13;
    private static final int SQLITE_CANTOPEN = 14;
    private static final int SQLITE_NOTADB = 26;

    /** How each connection to the embedded file is opened (see the class comment). */
    static SQLiteConfig sqliteOptions() {
        SQLiteConfig options = new SQLiteConfig();
        options.setJournalMode(SQLiteConfig.JournalMode.WAL);
        options.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        // a writer waits for another one this long (the pool's own limit) before it fails
        options.setBusyTimeout((int) Duration.ofSeconds(5).toMillis());
        // timestamps as milliseconds since 1970: compact, and compared as numbers
        options.setDateClass(SQLiteConfig.DateClass.INTEGER.getValue());
        // 1 MB of page cache per connection rather than 2: the store's hot pages are few, and there are 16
        options.setCacheSize(-1024);
        // the log is folded into the file every 1,000 pages; one that grew under a long transaction (retention)
        // is cut back to this size once folded, rather than kept at its largest
        options.setJournalSizeLimit(64 * 1024 * 1024);
        return options;
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
