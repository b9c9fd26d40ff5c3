package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;

import javax.sql.DataSource;

/** {@link RecipientBudget} in a table of the state database: one row per UTC day. */
public class JdbcRecipientBudget implements RecipientBudget {

    private final DataSource dataSource;

    public JdbcRecipientBudget(DataSource dataSource) {
        this.dataSource = dataSource;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS recipient_budget (budget_day DATE PRIMARY KEY, used INT NOT NULL)");
        } catch (SQLException e) {
            throw new StateStoreException("cannot create the recipient budget table", e);
        }
    }

    @Override
    public synchronized boolean reserve(LocalDate day, int n, int limit) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int row = usedForUpdate(c, day);
                int used = Math.max(0, row);
                if (used + n > limit) {
                    c.rollback();
                    return false;
                }
                write(c, day, used + n, row >= 0);
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot update the recipient budget", e);
        }
    }

    @Override
    public synchronized void refund(LocalDate day, int n) {
        if (n <= 0) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement p = c.prepareStatement(
                        "UPDATE recipient_budget SET used = GREATEST(0, used - ?) WHERE budget_day = ?")) {
            p.setInt(1, n);
            p.setDate(2, Date.valueOf(day));
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("cannot update the recipient budget", e);
        }
    }

    @Override
    public int used(LocalDate day) {
        try (Connection c = dataSource.getConnection()) {
            return Math.max(0, usedForUpdate(c, day));
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the recipient budget", e);
        }
    }

    /** The recipients used that day, or -1 when the day has no row yet. */
    private static int usedForUpdate(Connection c, LocalDate day) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT used FROM recipient_budget WHERE budget_day = ? FOR UPDATE")) {
            p.setDate(1, Date.valueOf(day));
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getInt(1) : -1;
            }
        }
    }

    private static void write(Connection c, LocalDate day, int used, boolean exists) throws SQLException {
        String sql = exists ? "UPDATE recipient_budget SET used = ? WHERE budget_day = ?"
                : "INSERT INTO recipient_budget (used, budget_day) VALUES (?, ?)";
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setInt(1, used);
            p.setDate(2, Date.valueOf(day));
            p.executeUpdate();
        }
    }
}
