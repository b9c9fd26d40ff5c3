package org.outboxrelay.state;

import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
 */
public final class StateDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateDatabase.class);
    private static final String MIGRATIONS = "classpath:db/migration";

    /** Which SQL the database speaks, where the two differ. */
    public enum Dialect { H2, POSTGRESQL }

    private final HikariDataSource pool;
    private final Dialect dialect;
    private final StateSettings settings;

    private StateDatabase(HikariDataSource pool, Dialect dialect, StateSettings settings) {
        this.pool = pool;
        this.dialect = dialect;
        this.settings = settings;
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
            config.setJdbcUrl("jdbc:h2:file:" + settings.embeddedDir().toAbsolutePath().resolve("jobs")
                    + ";MODE=PostgreSQL;DB_CLOSE_ON_EXIT=FALSE;QUERY_CACHE_SIZE=64");
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
            return new StateDatabase(new HikariDataSource(config), dialect, settings);
        } catch (RuntimeException e) {
            throw new StateStoreException("cannot open the " + settings + ": " + rootMessage(e), e);
        }
    }

    private Flyway flyway() {
        return flyway(pool);
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

    private void migrate() {
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

    /** Closes every connection; the last one closes the embedded database file. */
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
