package org.outboxrelay.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/**
 * The job store's tables of db/migration as the console reads them, in a test relay: job_recipient, job_event and
 * the search columns of mail_job (subject, from_address, account, node).
 * <p>
 * A relay whose store runs the Flyway migrations itself fills them as it works; the tests then only read. A relay
 * whose store does not yet (the state store of wave 1, which keeps mail_job's first columns only) gets the
 * migrations applied here, and {@link #record} writes, for a job the relay really handled, the rows such a store
 * writes: the search columns, one job_recipient row per recipient (lower case; sent / deferred / refused / pending
 * after the job's status) and the history (received at created_at; then sent with the attempt, Message-ID and
 * reply, deferred with the next attempt, or failed with the reason, at updated_at). So the console's tests drive the
 * real relay either way, and check the real history as soon as the store keeps it.
 */
public final class JobHistory {

    private final DataSource dataSource;
    private final boolean written;

    private JobHistory(DataSource dataSource, boolean written) {
        this.dataSource = dataSource;
        this.written = written;
    }

    /** The store of a running test relay, with the migrations applied if its store does not apply them. */
    public static JobHistory of(TestRelay relay) {
        DataSource ds = relay.context().getRegistry().lookupByNameAndType("stateDataSource", DataSource.class);
        boolean managed = hasTable(ds, "flyway_schema_history");
        if (!managed) {
            migrate(ds);
        }
        return new JobHistory(ds, !managed);
    }

    /** Applies db/migration to a database (an existing wave-1 store is taken over as it is). */
    public static void migrate(DataSource ds) {
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").baselineOnMigrate(true)
                .baselineVersion("0").load().migrate();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** True when the relay's store does not keep the history itself and {@link #record} writes it. */
    public boolean writtenByTests() {
        return written;
    }

    /**
     * For a job the relay handled: the rows its store keeps, written here if the store does not (see the class
     * comment); nothing when the store keeps them.
     */
    public void record(String jobId, String subject, String from, List<String> recipients) throws SQLException {
        if (!written) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            String status;
            int attempts;
            String messageId;
            String reply;
            String reason;
            Timestamp next;
            Timestamp created;
            Timestamp updated;
            try (PreparedStatement p = c.prepareStatement("SELECT status, attempts, message_id, smtp_reply, reason,"
                    + " next_attempt_at, created_at, updated_at FROM mail_job WHERE id = ?")) {
                p.setString(1, jobId);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        throw new IllegalStateException("the relay has no job " + jobId);
                    }
                    status = r.getString(1);
                    attempts = r.getInt(2);
                    messageId = r.getString(3);
                    reply = r.getString(4);
                    reason = r.getString(5);
                    next = r.getTimestamp(6);
                    created = r.getTimestamp(7);
                    updated = r.getTimestamp(8);
                }
            }
            update(c, "UPDATE mail_job SET subject = ?, from_address = ?, account = ?, node = ? WHERE id = ?",
                    subject, from, from, "test-relay", jobId);
            String recipientStatus = switch (status) {
                case "SENT" -> "sent";
                case "DEFERRED" -> "deferred";
                case "FAILED" -> "refused";
                default -> "pending";
            };
            for (String address : recipients) {
                update(c, "INSERT INTO job_recipient (job_id, address, status, reply, updated_at) VALUES (?, ?, ?, ?, ?)",
                        jobId, address.toLowerCase(Locale.ROOT), recipientStatus, reply, updated);
            }
            event(c, jobId, created, "received", null, null, null, null, null);
            switch (status) {
                case "SENT" -> event(c, jobId, updated, "sent", attempts, messageId, reply, null, null);
                case "DEFERRED" -> event(c, jobId, updated, "deferred", attempts, messageId, reply, reason, next);
                case "FAILED" -> event(c, jobId, updated, "failed", attempts, messageId, reply, reason, null);
                default -> {
                }
            }
        }
    }

    /** A job the relay never saw, for the list and the overview (any store). */
    public void insertJob(String id, String status, String channel, String subject, String recipient, Instant at)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            update(c, "INSERT INTO mail_job (id, status, channel, admission, attempts, created_at, updated_at, subject,"
                    + " from_address, account, node) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)", id, status, channel,
                    channel + ":" + id, Timestamp.from(at), Timestamp.from(at), subject, "relay@example.com",
                    "relay@example.com", "test-relay");
            update(c, "INSERT INTO job_recipient (job_id, address, status, updated_at) VALUES (?, ?, ?, ?)", id,
                    recipient, status.equals("SENT") ? "sent" : "pending", Timestamp.from(at));
            event(c, id, Timestamp.from(at), "received", null, null, null, null, null);
        }
    }

    /** The account paused until {@code until} (account_pause, as the store's circuit breaker writes it). */
    public void pauseAccount(String account, Instant until, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            update(c, "DELETE FROM account_pause WHERE account = ?", account);
            update(c, "INSERT INTO account_pause (account, paused_until, reason, fix, pauses_in_a_row, updated_by,"
                    + " updated_at) VALUES (?, ?, ?, ?, 1, 'test-relay', ?)", account, Timestamp.from(until), reason,
                    "check the account's password", Timestamp.from(Instant.now()));
        }
    }

    public int events(String jobId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement p = c.prepareStatement("SELECT COUNT(*) FROM job_event WHERE job_id = ?")) {
            p.setString(1, jobId);
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    private static void event(Connection c, String jobId, Timestamp at, String status, Integer attempt,
            String messageId, String reply, String reason, Timestamp next) throws SQLException {
        update(c, "INSERT INTO job_event (job_id, at, status, node, attempt, message_id, smtp_reply, reason,"
                + " next_attempt_at) VALUES (?, ?, ?, 'test-relay', ?, ?, ?, ?, ?)", jobId, at, status, attempt,
                messageId, reply, reason, next);
    }

    private static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            p.executeUpdate();
        }
    }

    private static boolean hasTable(DataSource ds, String table) {
        try (Connection c = ds.getConnection()) {
            for (String name : new String[] {table, table.toUpperCase(Locale.ROOT)}) {
                try (ResultSet r = c.getMetaData().getTables(null, null, name, null)) {
                    if (r.next()) {
                        return true;
                    }
                }
            }
            return false;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
