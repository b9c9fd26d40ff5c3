package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Plain JDBC for the deliverability stores: one statement per call, on a pooled connection. */
final class Jdbc {

    /** Reads one row. */
    @FunctionalInterface
    interface Row<T> {
        T read(ResultSet r) throws SQLException;
    }

    private final DataSource dataSource;

    Jdbc(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, args);
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("cannot update the deliverability tables", e);
        }
    }

    /**
     * An INSERT that may meet its unique key: false when the row was there already. Portable: no ON CONFLICT,
     * which the relay does not need here; each statement is its own transaction, so PostgreSQL has none to abort.
     */
    boolean insertIfAbsent(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, args);
            p.executeUpdate();
            return true;
        } catch (SQLIntegrityConstraintViolationException e) {
            return false;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) || e instanceof SQLiteException s
                    && (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY
                    || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE)) {
                return false;
            }
            throw new StateStoreException("cannot record in the deliverability tables", e);
        }
    }

    <T> List<T> query(String sql, Row<T> row, Object... args) {
        List<T> out = new ArrayList<>();
        forEach(sql, row, out::add, args);
        return out;
    }

    /** Each row read, handed on as it is read: a large table is never all in memory. */
    <T> void forEach(String sql, Row<T> row, Consumer<? super T> each, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, args);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    each.accept(row.read(r));
                }
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the deliverability tables", e);
        }
    }

    long count(String sql, Object... args) {
        List<Long> n = query(sql, r -> r.getLong(1), args);
        return n.isEmpty() ? 0 : n.get(0);
    }

    private static void bind(PreparedStatement p, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Instant t) {
                p.setTimestamp(i + 1, Timestamp.from(t));
            } else {
                p.setObject(i + 1, a);
            }
        }
    }

    static Instant instant(ResultSet r, String column) throws SQLException {
        Timestamp t = r.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /** "?, ?, ?" for an IN list. */
    static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
