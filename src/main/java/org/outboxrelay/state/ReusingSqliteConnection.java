package org.outboxrelay.state;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.sqlite.core.DB;
import org.sqlite.jdbc4.JDBC4Connection;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

/**
 * A connection to the embedded store's SQLite file that keeps the statements it prepared. SQLite compiles every
 * statement it is given, and its driver has no cache of its own (PostgreSQL's keeps the statements it prepared on
 * the server); compiling took about a tenth of the relay's CPU per job (README, "Performance"). A statement closed
 * by its caller is reset and kept; the next {@code prepareStatement} of the same text on this connection takes it
 * back instead of compiling the text again.
 *
 * <p>A kept statement holds nothing of its last use: its result set is closed and it is reset (so that it does not
 * keep a read snapshot open), its parameters and batch are cleared. At most one statement per text is kept, and
 * the {@value #KEPT} texts used last: a second statement of a text in use at the same time is made anew, and closed
 * for good when it is closed. A statement whose reset fails is closed for good. The connection closes every kept
 * statement when it closes.
 *
 * <p>A connection is used by one thread at a time (the pool lends it to one caller); the methods that touch the kept
 * statements are synchronized all the same, for the pool's own threads that close idle connections.
 */
final class ReusingSqliteConnection extends JDBC4Connection {

    /** Statement texts kept per connection: the store's own are a few dozen, the console's filters add some. */
    static final int KEPT = 64;

    private final Map<String, ReusedStatement> kept = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ReusedStatement> eldest) {
            if (size() <= KEPT) {
                return false;
            }
            eldest.getValue().closeForGood();
            return true;
        }
    };

    ReusingSqliteConnection(String url, String fileName, Properties options) throws SQLException {
        super(url, fileName, options);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        checkOpen();
        checkCursor(type, concurrency, holdability);
        ReusedStatement statement;
        synchronized (this) {
            statement = kept.remove(sql);
        }
        return statement != null ? statement : new ReusedStatement(this, sql);
    }

    /** False when the statement is to be closed for good: another of its text is kept already. */
    private synchronized boolean keep(ReusedStatement statement) throws SQLException {
        if (isClosed() || kept.containsKey(statement.text())) {
            return false;
        }
        kept.put(statement.text(), statement);
        return true;
    }

    @Override
    public void close() throws SQLException {
        synchronized (this) {
            kept.values().forEach(ReusedStatement::closeForGood);
            kept.clear();
        }
        super.close();
    }

    /** Statements kept now (tests). */
    synchronized int keptStatements() {
        return kept.size();
    }

    /** A prepared statement that goes back to its connection when closed, reset and cleared. */
    private static final class ReusedStatement extends JDBC4PreparedStatement {

        private final ReusingSqliteConnection owner;

        ReusedStatement(ReusingSqliteConnection owner, String sql) throws SQLException {
            super(owner, sql);
            this.owner = owner;
        }

        String text() {
            return sql;
        }

        @Override
        public void close() throws SQLException {
            if (isClosed()) {
                return;
            }
            try {
                rs.close();
                // reset even when no result set was open: a statement left stepped would keep its read snapshot
                pointer.safeRunConsume(DB::reset);
                clearParameters();
                clearBatch();
                clearGeneratedKeys();
            } catch (SQLException | RuntimeException e) {
                super.close();
                throw e;
            }
            if (!owner.keep(this)) {
                super.close();
            }
        }

        void closeForGood() {
            try {
                super.close();
            } catch (SQLException e) {
                // its connection closes it at the latest
            }
        }
    }
}
