package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * The account's pause as every relay sharing the store sees it (the {@code account_pause} row): paused until
 * when and why, how many pauses in a row, and which relay probes the account once a pause is over. Each change
 * is one conditional statement, so two relays that meet the same failure at the same moment start one pause,
 * not two, and only one of them wins the probe.
 */
public class AccountPauseStore {

    /** The row as read. {@code pausesInARow} > 0 and {@code until} in the past: waiting for a probe. */
    public record Row(Instant until, String reason, String fix, int pausesInARow, String probeNode,
            Instant probeUntil, String updatedBy) {

        public static final Row CLOSED = new Row(null, null, null, 0, null, null, null);
    }

    private final DataSource dataSource;
    private final String account;

    public AccountPauseStore(DataSource dataSource, String account) {
        this.dataSource = dataSource;
        this.account = account;
    }

    public Row read() {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT paused_until, reason, fix, pauses_in_a_row, probe_node, probe_until, updated_by"
                        + " FROM account_pause WHERE account = ?")) {
            p.setString(1, account);
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    return Row.CLOSED;
                }
                return new Row(instant(r.getTimestamp(1)), r.getString(2), r.getString(3), r.getInt(4),
                        r.getString(5), instant(r.getTimestamp(6)), r.getString(7));
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the account's pause", e);
        }
    }

    /**
     * Starts a pause until {@code until}, if the row still has {@code expectedInARow} pauses in a row and the
     * account is not paused already (or only until before {@code until} when {@code extend} is set: the daily
     * budget knows its end). False when another relay changed the row first.
     */
    public boolean start(int expectedInARow, Instant until, String reason, String fix, boolean extend, String node,
            Instant now) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO account_pause (account, pauses_in_a_row,"
                    + " updated_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING")) {
                p.setString(1, account);
                p.setTimestamp(2, Timestamp.from(now));
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("UPDATE account_pause SET paused_until = ?, reason = ?,"
                    + " fix = ?, pauses_in_a_row = pauses_in_a_row + 1, probe_node = NULL, probe_until = NULL,"
                    + " updated_by = ?, updated_at = ? WHERE account = ? AND pauses_in_a_row = ?"
                    + " AND (paused_until IS NULL OR paused_until <= ? OR (? AND paused_until < ?))")) {
                p.setTimestamp(1, Timestamp.from(until));
                p.setString(2, cut(reason, 4000));
                p.setString(3, cut(fix, 2000));
                p.setString(4, node);
                p.setTimestamp(5, Timestamp.from(now));
                p.setString(6, account);
                p.setInt(7, expectedInARow);
                p.setTimestamp(8, Timestamp.from(now));
                p.setBoolean(9, extend);
                p.setTimestamp(10, Timestamp.from(until));
                return p.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot pause the account", e);
        }
    }

    /** After a pause: this relay probes the account until {@code probeUntil}, unless another relay does. */
    public boolean claimProbe(String node, Instant probeUntil, Instant now) {
        return update("UPDATE account_pause SET probe_node = ?, probe_until = ?, updated_by = ?, updated_at = ?"
                + " WHERE account = ? AND pauses_in_a_row > 0 AND paused_until <= ?"
                + " AND (probe_node IS NULL OR probe_until <= ? OR probe_node = ?)",
                node, probeUntil, node, now, account, now, now, node) == 1;
    }

    /** The probe did not tell (a transient failure): another job, on any relay, may probe. */
    public void releaseProbe(String node, Instant now) {
        update("UPDATE account_pause SET probe_node = NULL, probe_until = NULL, updated_at = ?"
                + " WHERE account = ? AND probe_node = ?", now, account, node);
    }

    /** The account works: every relay sends again. */
    public boolean close(String node, Instant now) {
        return update("UPDATE account_pause SET paused_until = NULL, reason = NULL, fix = NULL, pauses_in_a_row = 0,"
                + " probe_node = NULL, probe_until = NULL, updated_by = ?, updated_at = ?"
                + " WHERE account = ? AND pauses_in_a_row > 0", node, now, account) == 1;
    }

    /** An operator ends the pause now: the next job probes. */
    public void endNow(String node, Instant now) {
        update("UPDATE account_pause SET paused_until = ?, probe_node = NULL, probe_until = NULL, updated_by = ?,"
                + " updated_at = ? WHERE account = ? AND paused_until > ?", now, node, now, account, now);
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                p.setObject(i + 1, a instanceof Instant at ? Timestamp.from(at) : a);
            }
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("cannot update the account's pause", e);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    public String account() {
        return account;
    }

    /** For tests and tools: the row, if there is one. */
    public Optional<Row> find() {
        Row r = read();
        return r == Row.CLOSED ? Optional.empty() : Optional.of(r);
    }
}
