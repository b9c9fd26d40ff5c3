package org.outboxrelay.state;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@link JobStateStore} on the state database ({@link StateDatabase}: embedded SQLite or shared PostgreSQL), in the
 * schema of {@code db/migration}. Admission is an {@code INSERT ... ON CONFLICT DO NOTHING} (two relays
 * admitting the same id at once: exactly one wins, no check-then-insert race); every change writes the job's
 * row, its recipients' rows and its history entry in one transaction.
 */
public class JdbcJobStateStore implements JobStateStore {

    private static final String COLUMNS = "id, status, channel, admission, attempts, message_id, smtp_reply, reason,"
            + " accepted, refused, sent_recipients, next_attempt_at, created_at, updated_at, account, subject, node";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * A recipient of a job, with its job's created_at (read in the same transaction, whenever the row is written:
     * at admission, or later for a job re-admitted or recorded before recipients had rows), which the console's
     * searches by recipient and by recipient status walk in time order (db/migration V5).
     */
    public static final String INSERT_RECIPIENT = "INSERT INTO job_recipient (job_id, address, status, reply,"
            + " updated_at, job_created_at) VALUES (?, ?, ?, ?, ?, (SELECT created_at FROM mail_job WHERE id = ?))"
            + " ON CONFLICT DO NOTHING";

    /**
     * Recipients written at admission: the job's row was inserted in the same transaction with this created_at, so
     * it is given rather than read back.
     */
    private static final String INSERT_ADMITTED_RECIPIENT = "INSERT INTO job_recipient (job_id, address, status,"
            + " reply, updated_at, job_created_at) VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING";
    /**
     * Jobs last updated before the cut-off (both parameters): found through mail_job_created, since no job is
     * updated before it was created (db/migration V7).
     */
    private static final String FORGOTTEN = "created_at < ? AND updated_at < ?";
    /** Jobs forgotten per transaction. */
    static final int RETENTION_BATCH = 1000;

    private final DataSource dataSource;
    private final AutoCloseable closer;
    /** Admissions and outcomes, the two writes of every job, of concurrent jobs share a commit. */
    private final GroupCommit group;

    public JdbcJobStateStore(DataSource dataSource, AutoCloseable closer) {
        this(dataSource, closer, Duration.ZERO, 1);
    }

    /**
     * @param commitDelay how long, under a burst, a write waits for other jobs' writes to commit with it
     * @param commitGroup how many writes waiting end that wait early
     */
    public JdbcJobStateStore(DataSource dataSource, AutoCloseable closer, Duration commitDelay, int commitGroup) {
        this(dataSource, dataSource, closer, commitDelay, commitGroup);
    }

    /** @param groupWriter where the group commits write ({@link StateDatabase#groupWriter()}) */
    public JdbcJobStateStore(DataSource dataSource, DataSource groupWriter, AutoCloseable closer, Duration commitDelay,
            int commitGroup) {
        this.dataSource = dataSource;
        this.closer = closer;
        this.group = new GroupCommit(groupWriter, commitDelay, commitGroup, System::nanoTime);
    }

    /** A store of its own on an embedded SQLite database in {@code dir} (closing the store closes the database). */
    public static JdbcJobStateStore embedded(Path dir) {
        StateDatabase db = StateDatabase.embedded(dir);
        return new JdbcJobStateStore(db.dataSource(), db.groupWriter(), db, Duration.ZERO, 1);
    }

    @Override
    public boolean insertQueued(NewJob job, Instant at) {
        return group.run("cannot record job " + job.id(), c -> {
            if (!insertJob(c, job, "QUEUED", 0, null, at)) {
                return false;
            }
            insertRecipients(c, job.id(), job.recipients(), RecipientState.PENDING, at, at);
            insertEvent(c, job.id(), at, "queued", job.node(), 0, null, null, null, null, detail("channel",
                    job.channel()));
            return true;
        });
    }

    @Override
    public boolean insertFailed(NewJob job, int attempts, String reason, Instant at) {
        return inTransaction("cannot record job " + job.id(), c -> {
            if (!insertJob(c, job, "FAILED", attempts, reason, at)) {
                return false;
            }
            insertRecipients(c, job.id(), job.recipients(), RecipientState.PENDING, at, at);
            insertEvent(c, job.id(), at, "failed", job.node(), attempts, null, null, reason, null,
                    detail("channel", job.channel()));
            return true;
        });
    }

    private static boolean insertJob(Connection c, NewJob job, String status, int attempts, String reason, Instant at)
            throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO mail_job (id, status, channel, admission, attempts,"
                + " reason, account, node, subject, from_address, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            p.setString(1, job.id());
            p.setString(2, status);
            p.setString(3, job.channel());
            p.setString(4, cut(job.admission(), 200));
            p.setInt(5, attempts);
            p.setString(6, cut(reason, 4000));
            p.setString(7, cut(job.account(), 320));
            p.setString(8, job.node());
            p.setString(9, cut(job.subject(), 1000));
            p.setString(10, cut(job.from(), 320));
            p.setTimestamp(11, Timestamp.from(at));
            p.setTimestamp(12, Timestamp.from(at));
            return p.executeUpdate() == 1;
        }
    }

    /** {@code createdAt}: the job's, when this transaction inserted its row; null to read it from that row. */
    private static void insertRecipients(Connection c, String id, List<String> recipients, String status, Instant at,
            Instant createdAt) throws SQLException {
        if (recipients.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement(createdAt == null ? INSERT_RECIPIENT : INSERT_ADMITTED_RECIPIENT)) {
            for (String address : new LinkedHashSet<>(recipients)) {
                p.setString(1, id);
                p.setString(2, cut(address.toLowerCase(Locale.ROOT), 320));
                p.setString(3, status);
                if (createdAt == null) {
                    p.setString(4, null);
                    p.setTimestamp(5, Timestamp.from(at));
                    p.setString(6, id);
                } else {
                    p.setTimestamp(4, Timestamp.from(at));
                    p.setTimestamp(5, Timestamp.from(createdAt));
                }
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    @Override
    public Optional<JobRecord> find(String id) {
        try (Connection c = dataSource.getConnection()) {
            JobRecord job;
            try (PreparedStatement p = c.prepareStatement("SELECT " + COLUMNS + " FROM mail_job WHERE id = ?")) {
                p.setString(1, id);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        return Optional.empty();
                    }
                    job = read(r, recipients(c, id, r.getString("sent_recipients")));
                }
            }
            return Optional.of(job);
        } catch (SQLException e) {
            throw new StateStoreException("cannot read job " + id, e);
        }
    }

    @Override
    public Optional<JobSeen> seen(String id) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement p = c.prepareStatement("SELECT status, admission, created_at FROM mail_job"
                        + " WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(new JobSeen(id, JobStatus.valueOf(r.getString("status")),
                        r.getString("admission"), instant(r, "created_at"))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot read job " + id, e);
        }
    }

    /** The job's recipients; a job recorded before recipients had rows has them as a JSON list of sent ones. */
    private static List<RecipientState> recipients(Connection c, String id, String legacySent) throws SQLException {
        Map<String, RecipientState> all = new LinkedHashMap<>();
        for (String a : legacyList(legacySent)) {
            all.put(a.toLowerCase(Locale.ROOT), new RecipientState(a, RecipientState.SENT, null));
        }
        try (PreparedStatement p = c.prepareStatement(
                "SELECT address, status, reply FROM job_recipient WHERE job_id = ? ORDER BY address")) {
            p.setString(1, id);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    RecipientState s = new RecipientState(r.getString(1), r.getString(2), r.getString(3));
                    all.merge(s.address(), s, (old, now) -> old.reached() && !now.reached() ? old : now);
                }
            }
        }
        return List.copyOf(all.values());
    }

    @Override
    public boolean readmit(NewJob job, JobStatus expected, Instant at) {
        return inTransaction("cannot record job " + job.id(), c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE mail_job SET status = 'QUEUED', channel = ?,"
                    + " admission = ?, next_attempt_at = NULL, reason = NULL, node = ?, updated_at = ?"
                    + " WHERE id = ? AND status = ?")) {
                p.setString(1, job.channel());
                p.setString(2, cut(job.admission(), 200));
                p.setString(3, job.node());
                p.setTimestamp(4, Timestamp.from(at));
                p.setString(5, job.id());
                p.setString(6, expected.name());
                if (p.executeUpdate() != 1) {
                    return false;
                }
            }
            insertRecipients(c, job.id(), job.recipients(), RecipientState.PENDING, at, null);
            insertEvent(c, job.id(), at, "queued", job.node(), null, null, null, "taken up again", null,
                    detail("channel", job.channel()));
            return true;
        });
    }

    @Override
    public boolean record(JobOutcome o) {
        String sql = switch (o.status()) {
            case SENT -> "UPDATE mail_job SET status = 'SENT', attempts = ?, message_id = COALESCE(?, message_id),"
                    + " subject = COALESCE(?, subject), smtp_reply = ?, reason = ?, next_attempt_at = ?,"
                    + " accepted = ?, refused = ?, node = ?, updated_at = ? WHERE id = ? AND admission = ?";
            case DEFERRED, FAILED -> "UPDATE mail_job SET status = ?, attempts = ?, message_id = COALESCE(?, message_id),"
                    + " subject = COALESCE(?, subject), smtp_reply = ?, reason = ?, next_attempt_at = ?,"
                    + " accepted = COALESCE(?, accepted), refused = COALESCE(?, refused), node = ?, updated_at = ?"
                    + " WHERE id = ? AND admission = ? AND status <> 'SENT'";
            case QUEUED -> throw new IllegalArgumentException("an attempt does not end queued");
        };
        return group.run("cannot record job " + o.id(), c -> {
            try (PreparedStatement p = c.prepareStatement(sql)) {
                int i = 1;
                if (o.status() != JobStatus.SENT) {
                    p.setString(i++, o.status().name());
                }
                p.setInt(i++, o.attempts());
                p.setString(i++, cut(o.messageId(), 998));
                p.setString(i++, cut(o.subject(), 1000));
                p.setString(i++, cut(o.smtpReply(), 2000));
                p.setString(i++, cut(o.reason(), 4000));
                setInstant(p, i++, o.nextAttemptAt());
                if (o.accepted() == null) {
                    p.setNull(i++, Types.INTEGER);
                } else {
                    p.setInt(i++, o.accepted());
                }
                p.setString(i++, o.refusedJson());
                p.setString(i++, o.node());
                p.setTimestamp(i++, Timestamp.from(o.at()));
                p.setString(i++, o.id());
                p.setString(i, o.admission());
                if (p.executeUpdate() != 1) {
                    return false;
                }
            }
            updateRecipients(c, o.id(), o.recipients(), o.at());
            insertEvent(c, o.id(), o.at(), o.status().id(), o.node(), o.attempts(), o.messageId(), o.smtpReply(),
                    o.reason(), o.nextAttemptAt(), null);
            return true;
        });
    }

    private static void updateRecipients(Connection c, String id, List<RecipientState> states, Instant at)
            throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        List<RecipientState> missing = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement("UPDATE job_recipient SET status = ?, reply = ?,"
                + " updated_at = ? WHERE job_id = ? AND address = ?")) {
            for (RecipientState s : states) {
                p.setString(1, s.status());
                p.setString(2, cut(s.reply(), 2000));
                p.setTimestamp(3, Timestamp.from(at));
                p.setString(4, id);
                p.setString(5, cut(s.address(), 320));
                p.addBatch();
            }
            int[] counts = p.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    missing.add(states.get(i));
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        // a recipient the job's admission did not record (a job from before recipients had rows)
        try (PreparedStatement p = c.prepareStatement(INSERT_RECIPIENT)) {
            for (RecipientState s : missing) {
                p.setString(1, id);
                p.setString(2, cut(s.address(), 320));
                p.setString(3, s.status());
                p.setString(4, cut(s.reply(), 2000));
                p.setTimestamp(5, Timestamp.from(at));
                p.setString(6, id);
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    @Override
    public boolean addSentRecipients(String id, String admission, List<String> recipients, Instant at) {
        return inTransaction("cannot record the recipients of job " + id, c -> {
            // the job's admission checked by a write that changes nothing: the transaction starts with a write, so
            // the embedded SQLite takes its write lock first (waiting its turn); a read first would fail at once
            // (SQLITE_BUSY) when another connection wrote between the read and the write
            try (PreparedStatement p = c.prepareStatement("UPDATE mail_job SET updated_at = updated_at"
                    + " WHERE id = ? AND admission = ?")) {
                p.setString(1, id);
                p.setString(2, admission);
                if (p.executeUpdate() == 0) {
                    return false;
                }
            }
            updateRecipients(c, id, recipients.stream()
                    .map(a -> new RecipientState(a, RecipientState.SENT, null)).toList(), at);
            return true;
        });
    }

    @Override
    public void recordDuplicate(String id, String channel, String node, Instant at) {
        inTransaction("cannot record a duplicate of job " + id, c -> {
            insertEvent(c, id, at, "duplicate", node, null, null, null,
                    "another copy with this id arrived and was not sent", null, detail("channel", channel));
            return true;
        });
    }

    private static void insertEvent(Connection c, String id, Instant at, String status, String node, Integer attempt,
            String messageId, String smtpReply, String reason, Instant nextAttemptAt, String detail)
            throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO job_event (job_id, at, status, node, attempt,"
                + " message_id, smtp_reply, reason, next_attempt_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, id);
            p.setTimestamp(2, Timestamp.from(at));
            p.setString(3, status);
            p.setString(4, node);
            if (attempt == null) {
                p.setNull(5, Types.INTEGER);
            } else {
                p.setInt(5, attempt);
            }
            p.setString(6, cut(messageId, 998));
            p.setString(7, cut(smtpReply, 2000));
            p.setString(8, cut(reason, 4000));
            setInstant(p, 9, nextAttemptAt);
            p.setString(10, detail);
            p.executeUpdate();
        }
    }

    @Override
    public List<JobEvent> history(String id, int max) {
        String sql = "SELECT id, at, status, node, attempt, message_id, smtp_reply, reason, next_attempt_at, detail"
                + " FROM job_event WHERE job_id = ? ORDER BY id DESC LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, id);
            p.setInt(2, max);
            List<JobEvent> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    int attempt = r.getInt("attempt");
                    Integer attemptOrNull = r.wasNull() ? null : attempt;
                    out.add(new JobEvent(r.getLong("id"), instant(r, "at"), r.getString("status"), r.getString("node"),
                            attemptOrNull, r.getString("message_id"), r.getString("smtp_reply"),
                            r.getString("reason"), instant(r, "next_attempt_at"), r.getString("detail")));
                }
            }
            Collections.reverse(out);
            return out;
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the history of job " + id, e);
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
        return deleteUpdatedBefore(cutoff, RETENTION_BATCH);
    }

    /**
     * In transactions of at most {@code batch} jobs (with their recipients and history), oldest first: the
     * embedded store has one writer at a time, and a day of jobs forgotten in one transaction would hold every
     * job's write for seconds. Each transaction starts with a write, so SQLite takes its write lock (waiting its
     * turn) before it reads anything.
     */
    int deleteUpdatedBefore(Instant cutoff, int batch) {
        String oldest = "SELECT id FROM mail_job WHERE " + FORGOTTEN + " ORDER BY created_at, id LIMIT " + batch;
        int total = 0;
        while (true) {
            int forgotten = inTransaction("cannot forget old jobs", c -> {
                for (String table : List.of("job_event", "job_recipient")) {
                    try (PreparedStatement p = c.prepareStatement("DELETE FROM " + table + " WHERE job_id IN ("
                            + oldest + ")")) {
                        p.setTimestamp(1, Timestamp.from(cutoff));
                        p.setTimestamp(2, Timestamp.from(cutoff));
                        p.executeUpdate();
                    }
                }
                try (PreparedStatement p = c.prepareStatement("DELETE FROM mail_job WHERE id IN (" + oldest + ")")) {
                    p.setTimestamp(1, Timestamp.from(cutoff));
                    p.setTimestamp(2, Timestamp.from(cutoff));
                    return p.executeUpdate();
                }
            });
            total += forgotten;
            if (forgotten < batch) {
                return total;
            }
        }
    }

    private <T> T inTransaction(String what, GroupCommit.Work<T> work) {
        return GroupCommit.inOwnTransaction(dataSource, what, work);
    }

    private static String detail(String key, String value) {
        if (value == null) {
            return null;
        }
        try {
            return JSON.writeValueAsString(Map.of(key, value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> legacyList(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            return List.of(JSON.readValue(json, String[].class));
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    /** Text cut to the column's width: a status is never lost for a reply that is too long. */
    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private static void setInstant(PreparedStatement p, int index, Instant at) throws SQLException {
        p.setTimestamp(index, at == null ? null : Timestamp.from(at));
    }

    private static Instant instant(ResultSet r, String column) throws SQLException {
        Timestamp t = r.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static JobRecord read(ResultSet r, List<RecipientState> recipients) throws SQLException {
        int accepted = r.getInt("accepted");
        Integer acceptedOrNull = r.wasNull() ? null : accepted;
        return new JobRecord(r.getString("id"), JobStatus.valueOf(r.getString("status")), r.getString("channel"),
                r.getString("admission"), r.getInt("attempts"), r.getString("message_id"),
                r.getString("smtp_reply"), r.getString("reason"), acceptedOrNull, r.getString("refused"),
                recipients, instant(r, "next_attempt_at"), instant(r, "created_at"), instant(r, "updated_at"),
                r.getString("account"), r.getString("subject"), r.getString("node"));
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
