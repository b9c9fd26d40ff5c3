package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;

import javax.sql.DataSource;

/**
 * {@link RecipientBudget} in the state database: one row per account and UTC day. Taking from it is a single
 * conditional {@code UPDATE} (used + n, only while that stays within the limit), so relays sharing the store
 * can never take more than the limit together, and no lock is held between statements.
 */
public class JdbcRecipientBudget implements RecipientBudget {

    private final DataSource dataSource;
    private final String account;

    public JdbcRecipientBudget(DataSource dataSource, String account) {
        this.dataSource = dataSource;
        this.account = account;
    }

    @Override
    public boolean reserve(LocalDate day, int n, int limit) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO account_daily_recipients (account, budget_day,"
                    + " used) VALUES (?, ?, 0) ON CONFLICT DO NOTHING")) {
                p.setString(1, account);
                p.setObject(2, day);
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("UPDATE account_daily_recipients SET used = used + ?"
                    + " WHERE account = ? AND budget_day = ? AND used + ? <= ?")) {
                p.setInt(1, n);
                p.setString(2, account);
                p.setObject(3, day);
                p.setInt(4, n);
                p.setInt(5, limit);
                return p.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot update the recipient budget", e);
        }
    }

    @Override
    public void refund(LocalDate day, int n) {
        if (n <= 0) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement p = c.prepareStatement("UPDATE account_daily_recipients"
                        + " SET used = CASE WHEN used > ? THEN used - ? ELSE 0 END"
                        + " WHERE account = ? AND budget_day = ?")) {
            p.setInt(1, n);
            p.setInt(2, n);
            p.setString(3, account);
            p.setObject(4, day);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("cannot update the recipient budget", e);
        }
    }

    @Override
    public int used(LocalDate day) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement p = c.prepareStatement("SELECT used FROM account_daily_recipients"
                        + " WHERE account = ? AND budget_day = ?")) {
            p.setString(1, account);
            p.setObject(2, day);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getInt(1) : 0;
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the recipient budget", e);
        }
    }
}
