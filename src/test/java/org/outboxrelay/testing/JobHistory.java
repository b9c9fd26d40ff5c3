package org.outboxrelay.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

import javax.sql.DataSource;

import org.outboxrelay.state.StateDatabase;

/**
 * The job store's tables (db/migration) as the console reads them - mail_job with its search columns, job_recipient,
 * job_event - in a test relay's store or a database of a unit test: jobs the relay never saw, written as its store
 * writes them, for lists with known contents, and the history the relay wrote, read back.
 */
public final class JobHistory {

    private final DataSource dataSource;

    private JobHistory(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The store of a running test relay (its schema is the relay's, migrated at start). */
    public static JobHistory of(TestRelay relay) {
        return new JobHistory(relay.context().getRegistry().lookupByNameAndType("stateDatabase", StateDatabase.class)
                .dataSource());
    }

    /** A database of a unit test, with the relay's schema. */
    public static JobHistory migrated(DataSource ds) {
        StateDatabase.migrate(ds);
        return new JobHistory(ds);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** A job the relay never saw, with one recipient and its "queued" entry, as the store records a new job. */
    public void insertJob(String id, String status, String channel, String subject, String recipient, Instant at)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            update(c, "INSERT INTO mail_job (id, status, channel, admission, attempts, created_at, updated_at, subject,"
                    + " from_address, account, node) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)", id, status, channel,
                    channel + ":" + id, Timestamp.from(at), Timestamp.from(at), subject, "relay@example.com",
                    "relay@example.com", "test-relay");
            update(c, "INSERT INTO job_recipient (job_id, address, status, updated_at) VALUES (?, ?, ?, ?)", id,
                    recipient, status.equals("SENT") ? "sent" : "pending", Timestamp.from(at));
            update(c, "INSERT INTO job_event (job_id, at, status, node, attempt) VALUES (?, ?, 'queued', 'test-relay', 0)",
                    id, Timestamp.from(at));
        }
    }

    /** The statuses of a job's history, oldest first. */
    public java.util.List<String> events(String jobId) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement p = c.prepareStatement("SELECT status FROM job_event WHERE job_id = ? ORDER BY id")) {
            p.setString(1, jobId);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(r.getString(1));
                }
            }
        }
        return out;
    }

    private static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            p.executeUpdate();
        }
    }
}
