package org.outboxrelay.state;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@link JobStateStore} on a JDBC database: by default an embedded H2 file in {@code data/state/}; plain SQL so
 * that another database can take its place.
 */
public class JdbcJobStateStore implements JobStateStore {

    private static final String COLUMNS = "id, status, channel, admission, attempts, message_id, smtp_reply, reason,"
            + " accepted, refused, sent_recipients, next_attempt_at, created_at, updated_at";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;
    private final AutoCloseable closer;

    public JdbcJobStateStore(DataSource dataSource, AutoCloseable closer) {
        this.dataSource = dataSource;
        this.closer = closer;
        createSchema();
    }

    /** A store of its own on an embedded H2 database in {@code dir} (closing the store closes the database). */
    public static JdbcJobStateStore embedded(Path dir) {
        StateDatabase db = StateDatabase.embedded(dir);
        return new JdbcJobStateStore(db.dataSource(), db);
    }

    private void createSchema() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS mail_job ("
                    + " id VARCHAR(128) PRIMARY KEY,"
                    + " status VARCHAR(16) NOT NULL,"
                    + " channel VARCHAR(16),"
                    + " admission VARCHAR(200),"
                    + " attempts INT NOT NULL,"
                    + " message_id VARCHAR(998),"
                    + " smtp_reply VARCHAR(2000),"
                    + " reason VARCHAR(4000),"
                    + " accepted INT,"
                    + " refused CLOB,"
                    + " sent_recipients CLOB,"
                    + " next_attempt_at TIMESTAMP WITH TIME ZONE,"
                    + " created_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                    + " updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            s.execute("ALTER TABLE mail_job ADD COLUMN IF NOT EXISTS sent_recipients CLOB");
            s.execute("CREATE INDEX IF NOT EXISTS mail_job_updated ON mail_job(updated_at)");
            s.execute("CREATE INDEX IF NOT EXISTS mail_job_waiting ON mail_job(status, created_at)");
        } catch (SQLException e) {
            throw new StateStoreException("cannot create the job table", e);
        }
    }

    @Override
    public boolean insertQueued(String id, String channel, String admission, Instant at) {
        String sql = "INSERT INTO mail_job (id, status, channel, admission, attempts, created_at, updated_at)"
                + " VALUES (?, 'QUEUED', ?, ?, 0, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, id);
            p.setString(2, channel);
            p.setString(3, admission);
            p.setTimestamp(4, Timestamp.from(at));
            p.setTimestamp(5, Timestamp.from(at));
            p.executeUpdate();
            return true;
        } catch (SQLIntegrityConstraintViolationException e) {
            return false;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return false;
            }
            throw new StateStoreException("cannot record job " + id, e);
        }
    }

    @Override
    public Optional<JobRecord> find(String id) {
        String sql = "SELECT " + COLUMNS + " FROM mail_job WHERE id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, id);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot read job " + id, e);
        }
    }

    @Override
    public boolean readmit(String id, String channel, String admission, JobStatus expected, Instant at) {
        return update("UPDATE mail_job SET status = 'QUEUED', channel = ?, admission = ?, next_attempt_at = NULL,"
                + " reason = NULL, updated_at = ? WHERE id = ? AND status = ?",
                channel, admission, ts(at), id, expected.name()) == 1;
    }

    @Override
    public boolean markDeferred(String id, String admission, int attempts, Instant nextAttemptAt, String smtpReply,
            String reason, Instant at) {
        return update("UPDATE mail_job SET status = 'DEFERRED', attempts = ?, next_attempt_at = ?, smtp_reply = ?,"
                + " reason = ?, updated_at = ? WHERE id = ? AND admission = ? AND status <> 'SENT'",
                attempts, ts(nextAttemptAt), smtpReply, reason, ts(at), id, admission) == 1;
    }

    @Override
    public boolean markSent(String id, String admission, int attempts, String messageId, String smtpReply,
            int accepted, String refusedJson, List<String> sentRecipients, Instant at) {
        try {
            return update("UPDATE mail_job SET status = 'SENT', attempts = ?, message_id = ?, smtp_reply = ?,"
                    + " accepted = ?, refused = ?, sent_recipients = ?, next_attempt_at = NULL, reason = NULL,"
                    + " updated_at = ? WHERE id = ? AND admission = ?",
                    attempts, messageId, smtpReply, accepted, refusedJson, JSON.writeValueAsString(sentRecipients),
                    ts(at), id, admission) == 1;
        } catch (JsonProcessingException e) {
            throw new StateStoreException("cannot record job " + id, e);
        }
    }

    @Override
    public boolean addSentRecipients(String id, String admission, List<String> recipients, Instant at) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement read = c.prepareStatement(
                    "SELECT sent_recipients FROM mail_job WHERE id = ? AND admission = ? FOR UPDATE")) {
                read.setString(1, id);
                read.setString(2, admission);
                List<String> all;
                try (ResultSet r = read.executeQuery()) {
                    if (!r.next()) {
                        c.rollback();
                        return false;
                    }
                    all = new ArrayList<>(recipients(r.getString(1)));
                }
                for (String a : recipients) {
                    String lower = a.toLowerCase(Locale.ROOT);
                    if (!all.contains(lower)) {
                        all.add(lower);
                    }
                }
                try (PreparedStatement write = c.prepareStatement(
                        "UPDATE mail_job SET sent_recipients = ?, updated_at = ? WHERE id = ?")) {
                    write.setString(1, JSON.writeValueAsString(all));
                    write.setTimestamp(2, Timestamp.from(at));
                    write.setString(3, id);
                    write.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | JsonProcessingException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new StateStoreException("cannot record the recipients of job " + id, e);
        }
    }

    private static List<String> recipients(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return List.of(JSON.readValue(json, String[].class));
        } catch (JsonProcessingException e) {
            throw new StateStoreException("unreadable recipient list", e);
        }
    }

    @Override
    public boolean markFailed(String id, String admission, int attempts, String messageId, String reason,
            String smtpReply, Instant at) {
        return update("UPDATE mail_job SET status = 'FAILED', attempts = ?, message_id = COALESCE(?, message_id),"
                + " reason = ?, smtp_reply = ?, next_attempt_at = NULL, updated_at = ?"
                + " WHERE id = ? AND admission = ? AND status <> 'SENT'",
                attempts, messageId, reason, smtpReply, ts(at), id, admission) == 1;
    }

    @Override
    public boolean insertFailed(String id, String channel, String admission, int attempts, String reason,
            Instant at) {
        String sql = "INSERT INTO mail_job (id, status, channel, admission, attempts, reason, created_at, updated_at)"
                + " VALUES (?, 'FAILED', ?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, id);
            p.setString(2, channel);
            p.setString(3, admission);
            p.setInt(4, attempts);
            p.setString(5, reason);
            p.setTimestamp(6, Timestamp.from(at));
            p.setTimestamp(7, Timestamp.from(at));
            p.executeUpdate();
            return true;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) || e instanceof SQLIntegrityConstraintViolationException) {
                return false;
            }
            throw new StateStoreException("cannot record job " + id, e);
        }
    }

    @Override
    public Optional<Instant> oldestWaiting() {
        String sql = "SELECT MIN(created_at) FROM mail_job WHERE status IN ('QUEUED', 'DEFERRED')";
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql);
                ResultSet r = p.executeQuery()) {
            Timestamp t = r.next() ? r.getTimestamp(1) : null;
            return Optional.ofNullable(t).map(Timestamp::toInstant);
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the job store", e);
        }
    }

    @Override
    public int deleteUpdatedBefore(Instant cutoff) {
        return update("DELETE FROM mail_job WHERE updated_at < ?", ts(cutoff));
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("cannot update the job store", e);
        }
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(ResultSet r, String column) throws SQLException {
        Timestamp t = r.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static JobRecord read(ResultSet r) throws SQLException {
        int accepted = r.getInt("accepted");
        Integer acceptedOrNull = r.wasNull() ? null : accepted;
        return new JobRecord(r.getString("id"), JobStatus.valueOf(r.getString("status")), r.getString("channel"),
                r.getString("admission"), r.getInt("attempts"), r.getString("message_id"),
                r.getString("smtp_reply"), r.getString("reason"), acceptedOrNull, r.getString("refused"),
                recipients(r.getString("sent_recipients")), instant(r, "next_attempt_at"), instant(r, "created_at"), instant(r, "updated_at"));
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            throw new StateStoreException("cannot close the job store", e);
        }
    }
}
