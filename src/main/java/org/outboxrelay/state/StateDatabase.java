package org.outboxrelay.state;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.logging.Logger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import org.slf4j.LoggerFactory;

/**
 * The relay's embedded database (H2, one file in {@code data/state/}): job statuses, the idempotency guard and
 * the daily recipient budget. Plain JDBC and SQL, so that a shared database can take its place later.
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

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(StateDatabase.class);
    private static final int DATABASE_IS_CLOSED = 90098;

    private final String url;
    private volatile HikariDataSource pool;
    private volatile boolean closedByH2;
    private volatile boolean closed;
    private long lastSaid;
    private final DataSource dataSource = new Reopening();

    private StateDatabase(String url) {
        this.url = url;
        this.pool = newPool();
    }

    public static StateDatabase embedded(Path dir) {
        return new StateDatabase("jdbc:h2:file:" + dir.toAbsolutePath().resolve("jobs")
                + ";DB_CLOSE_ON_EXIT=FALSE;QUERY_CACHE_SIZE=64");
    }

    private HikariDataSource newPool() {
        HikariConfig config = new HikariConfig();
        config.setPoolName("job-store");
        config.setJdbcUrl(url);
        config.setUsername("relay");
        config.setPassword("");
        config.setMaximumPoolSize(16);
        config.setMinimumIdle(2);
        config.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
        config.setExceptionOverride(new SQLExceptionOverride() {
            @java.lang.Override
            public SQLExceptionOverride.Override adjudicate(SQLException e) {
                if (e.getErrorCode() == DATABASE_IS_CLOSED) {
                    closedByH2 = true;
                    return SQLExceptionOverride.Override.MUST_EVICT;
                }
                return SQLExceptionOverride.Override.CONTINUE_EVICT;
            }
        });
        return new HikariDataSource(config);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** The pool, a new one when H2 closed the database under the old one. */
    private HikariDataSource current() {
        if (closedByH2 && !closed) {
            synchronized (this) {
                if (closedByH2 && !closed) {
                    HikariDataSource old = pool;
                    closedByH2 = false;
                    old.close();
                    pool = newPool();
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

    /** Closes every connection; the last one closes the database file. */
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
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
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
}
