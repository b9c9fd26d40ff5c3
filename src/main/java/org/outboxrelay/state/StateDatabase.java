package org.outboxrelay.state;

import java.nio.file.Path;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The relay's embedded database (H2, one file in {@code data/state/}): job statuses, the idempotency guard and
 * the daily recipient budget. Plain JDBC and SQL, so that a shared database can take its place later.
 */
public final class StateDatabase implements AutoCloseable {

    private final JdbcConnectionPool pool;

    private StateDatabase(JdbcConnectionPool pool) {
        this.pool = pool;
    }

    public static StateDatabase embedded(Path dir) {
        String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("jobs") + ";DB_CLOSE_ON_EXIT=FALSE;QUERY_CACHE_SIZE=64";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "relay", "");
        pool.setMaxConnections(16);
        return new StateDatabase(pool);
    }

    public DataSource dataSource() {
        return pool;
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
