package org.outboxrelay.console;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.outboxrelay.state.StateDatabase;
import org.outboxrelay.state.StateStoreException;

/**
 * The console's view of the job store: the mail list (search by id or Message-ID, recipient, subject, status,
 * channel and time, newest first, page by page) and one job with its recipients and history. Everything is one
 * SQL query on the tables of db/migration (mail_job, job_recipient, job_event), the same on the embedded SQLite and on
 * PostgreSQL, walking an index of the schema (see the README's numbers, from ConsoleSearchBenchmark):
 * <ul>
 * <li>id or Message-ID: the primary key / mail_job_message_id, exact;</li>
 * <li>recipient: job_recipient_address_created, exact address (stored in lower case) - each row keeps its job's
 * created_at, so the address's jobs are read newest first and the walk stops after one page, however many jobs
 * the address has;</li>
 * <li>a recipient status (refused, bounced, ...): job_recipient_status_created, walked the same way;</li>
 * <li>status of the job, time range: walked newest first on (status, created_at) or (created_at), stopping after
 * one page; the channel (one of three) is a filter on that walk;</li>
 * <li>subject (a case-insensitive "contains", which no portable index serves: no expression or trigram index on
 * both databases): with a recipient or an id it filters those few jobs; otherwise each request looks at the next
 * {@link #WINDOW} rows of its walk (newest first, found on the walk's index alone) and answers the matches among
 * them, with a cursor to go on further back - so every request costs about the same, whatever the store holds,
 * and nothing needs an index that every write would pay for. Any criterion on the jobs of an address with more
 * than {@link #JOIN_LIMIT} of them is searched in such windows too.</li>
 * </ul>
 * Pages are keyset pages (created_at, id) - never OFFSET, so page 1000 costs what page 1 costs.
 */
public class JobSearch {

    public static final int MAX_PAGE = 200;
    /**
     * How many rows of its walk one request looks at when a criterion has no index in time order (subject, or
     * anything on the jobs of a recipient with very many of them); the answer's cursor goes on from there.
     */
    public static final int WINDOW = 10_000;
    /**
     * A recipient with more jobs than this, searched with more criteria (status, channel, subject), is searched in
     * windows of its jobs rather than over all of them at once.
     */
    public static final int JOIN_LIMIT = 2_000;
    /** Job statuses (mail_job.status) the list filters on. */
    public static final Set<String> JOB_STATUSES = Set.of("queued", "deferred", "sent", "failed");
    /** The channels a job can have, as stored. */
    static final List<String> CHANNELS = java.util.Arrays.stream(org.outboxrelay.job.Channel.values())
            .map(org.outboxrelay.job.Channel::id).toList();
    /** Recipient statuses (job_recipient.status): a job with at least one recipient in it. */
    public static final Set<String> RECIPIENT_STATUSES = Set.of("refused", "bounced", "delayed", "suppressed");
    /** Both, in the order the console offers them. */
    public static final List<String> STATUS_NAMES = List.of("queued", "deferred", "sent", "failed", "refused",
            "bounced", "delayed", "suppressed");

    private static final String JOB_COLUMNS = "j.id, j.status, j.channel, j.subject, j.from_address, j.attempts,"
            + " j.message_id, j.next_attempt_at, j.created_at, j.updated_at";

    /** What to look for; null or blank fields are not criteria. */
    public record Criteria(String id, String recipient, String subject, String status, String channel, Instant from,
            Instant to, String after, int limit) {
    }

    /** One line of the list. */
    public record JobRow(String id, String status, String channel, String subject, String from, int attempts,
            String messageId, Instant nextAttemptAt, Instant createdAt, Instant updatedAt) {
    }

    /** A page: the jobs, the cursor of the next page (null at the end), and a note on how it was searched. */
    public record Page(List<JobRow> jobs, String next, String note) {
    }

    /** A recipient of a job and where it stands. */
    public record Recipient(String address, String status, String reply, Instant updatedAt) {
    }

    /** One entry of a job's history. */
    public record Event(Instant at, String status, String node, Integer attempt, String messageId, String smtpReply,
            String reason, Instant nextAttemptAt, String detail) {
    }

    /** A job with all the store knows about it. */
    public record JobDetail(JobRow job, String node, String account, String smtpReply, String reason,
            Integer accepted, List<Recipient> recipients, List<Event> events) {
    }

    private final DataSource dataSource;
    private final int window;
    private final int joinLimit;
    private volatile Boolean sqlite;

    public JobSearch(DataSource dataSource) {
        this(dataSource, WINDOW, JOIN_LIMIT);
    }

    /** With other window and join sizes (tests). */
    JobSearch(DataSource dataSource, int window, int joinLimit) {
        this.dataSource = dataSource;
        this.window = window;
        this.joinLimit = joinLimit;
    }

    /** Whether the store is the embedded SQLite one (asked once). */
    private boolean sqlite() {
        Boolean known = sqlite;
        if (known == null) {
            known = StateDatabase.dialectOf(dataSource) == StateDatabase.Dialect.SQLITE;
            sqlite = known;
        }
        return known;
    }

    /** The SQL of a search and its arguments (the benchmark shows the database's plan of it). */
    public record Query(String sql, List<Object> args, String note, int limit, String continueAt) {
    }

    /** One page of jobs matching the criteria, newest first. */
    public Page search(Criteria c) {
        Query q = query(c);
        if (q == null) {
            return new Page(List.of(), null, null);
        }
        List<JobRow> rows = new ArrayList<>();
        try (Connection conn = dataSource.getConnection(); PreparedStatement p = conn.prepareStatement(q.sql())) {
            for (int i = 0; i < q.args().size(); i++) {
                p.setObject(i + 1, q.args().get(i));
            }
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    rows.add(row(r));
                }
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot search the job store", e);
        }
        String next = q.continueAt();
        if (rows.size() > q.limit()) {
            rows = rows.subList(0, q.limit());
            JobRow last = rows.get(q.limit() - 1);
            next = new Cursor(last.createdAt(), last.id()).encode();
        }
        return new Page(List.copyOf(rows), next, q.note());
    }

    /**
     * The index a search walks newest first: the jobs (mail_job by created_at, or by (status, created_at) for a
     * job status, or by id), one address's rows of job_recipient, or one recipient status's rows of job_recipient
     * (both by (job_created_at, job_id): the job's own created_at and id, the list's keyset order).
     */
    private enum Walk {
        JOBS("j.created_at", "j.id"),
        RECIPIENT("r.job_created_at", "r.job_id"),
        RECIPIENT_STATUS("r.job_created_at", "r.job_id");

        final String time;
        final String id;

        Walk(String time, String id) {
            this.time = time;
            this.id = id;
        }
    }

    /**
     * The query of a search (null when it cannot match anything: an id no job has). A bad criterion (an unknown
     * status, a cursor that is not one) is an {@link IllegalArgumentException} that says which.
     */
    public Query query(Criteria c) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT ").append(JOB_COLUMNS);
        String id = blankToNull(c.id());
        String recipient = blankToNull(c.recipient());
        recipient = recipient == null ? null : recipient.toLowerCase(Locale.ROOT);
        String subject = blankToNull(c.subject());
        String status = blankToNull(c.status());
        status = status == null ? null : status.toLowerCase(Locale.ROOT);
        if (status != null && !JOB_STATUSES.contains(status) && !RECIPIENT_STATUSES.contains(status)) {
            throw new IllegalArgumentException("status must be one of " + String.join(", ", STATUS_NAMES)
                    + ", not \"" + c.status() + "\"");
        }
        boolean jobStatus = status != null && JOB_STATUSES.contains(status);
        String recipientStatus = status != null && !jobStatus ? status : null;
        String channel = blankToNull(c.channel());
        channel = channel == null ? null : channel.toLowerCase(Locale.ROOT);
        // a channel no job can have would walk every job to find none
        if (channel != null && !CHANNELS.contains(channel)) {
            throw new IllegalArgumentException("channel must be one of " + String.join(", ", CHANNELS) + ", not \""
                    + c.channel() + "\"");
        }
        Cursor after = Cursor.decode(c.after());

        Walk walk = recipient != null ? Walk.RECIPIENT
                : id == null && recipientStatus != null ? Walk.RECIPIENT_STATUS : Walk.JOBS;
        if (walk == Walk.RECIPIENT) {
            // (job_id, address) is the key of job_recipient: one row per job, no DISTINCT needed
            sql.append(" FROM job_recipient r JOIN mail_job j ON j.id = r.job_id WHERE r.address = ?");
            args.add(recipient);
        } else if (walk == Walk.RECIPIENT_STATUS) {
            // a job with two bounced recipients is listed once: by the first of them, a look-up per row in the key
            // (job_id, address) (as a scalar subquery: PostgreSQL would turn a NOT EXISTS into an anti join that
            // reads every row of the status for each row of the page)
            sql.append(" FROM job_recipient r JOIN mail_job j ON j.id = r.job_id WHERE r.status = ?"
                    + " AND r.address = (SELECT MIN(d.address) FROM job_recipient d WHERE d.job_id = r.job_id"
                    + " AND d.status = r.status)");
            args.add(recipientStatus);
        } else {
            sql.append(" FROM mail_job j");
            if (!jobStatus && id == null && sqlite()) {
                // given a criterion no index serves (the channel), SQLite's planner sorts the whole table rather
                // than walk mail_job_created newest first and stop after a page (321 ms against 0.5 with 1,000,000
                // jobs, ConsoleSearchBenchmark): told which index to walk. A job status or ids have better ones.
                sql.append(" INDEXED BY mail_job_created");
            }
            sql.append(" WHERE 1 = 1");
        }
        if (id != null) {
            List<String> ids = idsFor(id);
            if (ids.isEmpty()) {
                return null;
            }
            sql.append(" AND j.id IN (").append("?, ".repeat(ids.size() - 1)).append("?)");
            args.addAll(ids);
        }
        if (jobStatus) {
            sql.append(" AND j.status = ?");
            args.add(status.toUpperCase(Locale.ROOT));
        } else if (recipientStatus != null && walk != Walk.RECIPIENT_STATUS) {
            sql.append(" AND EXISTS (SELECT 1 FROM job_recipient s WHERE s.job_id = j.id AND s.status = ?)");
            args.add(recipientStatus);
        }
        if (channel != null) {
            sql.append(" AND j.channel = ?");
            args.add(channel);
        }
        if (c.from() != null) {
            sql.append(" AND ").append(walk.time).append(" >= ?");
            args.add(Timestamp.from(c.from()));
        }
        if (c.to() != null) {
            sql.append(" AND ").append(walk.time).append(" < ?");
            args.add(Timestamp.from(c.to()));
        }
        // a criterion the walk's index does not serve, on a walk that may be long: look at one window per request
        // - the subject (no index serves it), or anything on the jobs of an address with very many of them
        boolean windowed = id == null && (walk == Walk.RECIPIENT
                ? (subject != null || jobStatus || recipientStatus != null || channel != null)
                        && jobsOf(recipient) > joinLimit
                : subject != null);
        String note = null;
        String continueAt = null;
        if (windowed) {
            Window scope = window(walk, walk == Walk.RECIPIENT ? recipient : recipientStatus, c.from(), c.to(),
                    after);
            if (scope.count() == 0) {
                return null;
            }
            sql.append(" AND ").append(walk.time).append(" >= ?");
            args.add(Timestamp.from(scope.oldest()));
            String what = switch (walk) {
                case JOBS -> scope.count() + " jobs";
                case RECIPIENT -> scope.count() + " jobs to " + recipient;
                case RECIPIENT_STATUS -> scope.count() + " " + recipientStatus + " recipients of the jobs";
            };
            note = "Looked at the " + what + " received since " + scope.oldest()
                    + (scope.count() < window ? "." : "; Older goes on further back.");
            // a window that found less than a page: the next request goes on below it
            continueAt = scope.count() >= window ? new Cursor(scope.oldest(), "").encode() : null;
        }
        if (subject != null) {
            sql.append(" AND LOWER(j.subject) LIKE ? ESCAPE '!'");
            args.add("%" + likeEscaped(subject.toLowerCase(Locale.ROOT)) + "%");
        }
        if (after != null) {
            // the first condition alone bounds the walk (an index range); the second sorts out the cursor's instant
            sql.append(" AND ").append(walk.time).append(" <= ? AND (").append(walk.time).append(" < ? OR (")
                    .append(walk.time).append(" = ? AND ").append(walk.id).append(" < ?))");
            args.add(Timestamp.from(after.createdAt()));
            args.add(Timestamp.from(after.createdAt()));
            args.add(Timestamp.from(after.createdAt()));
            args.add(after.id());
        }
        int limit = Math.max(1, Math.min(MAX_PAGE, c.limit()));
        // ordering by the walk's fixed column first changes nothing but lets a planner that does not see that an
        // equality makes a column constant (H2's) read (address | status, created_at, id) in order and stop after
        // one page
        String fixed = switch (walk) {
            case RECIPIENT -> "r.address DESC, ";
            case RECIPIENT_STATUS -> "r.status DESC, ";
            case JOBS -> jobStatus ? "j.status DESC, " : "";
        };
        sql.append(" ORDER BY ").append(fixed).append(walk.time).append(" DESC, ").append(walk.id)
                .append(" DESC LIMIT ").append(limit + 1);
        return new Query(sql.toString(), List.copyOf(args), note, limit, continueAt);
    }

    /** How many jobs the store has for a recipient (an index count on job_recipient_address_created). */
    private long jobsOf(String address) {
        try (Connection conn = dataSource.getConnection();
                PreparedStatement p = conn.prepareStatement("SELECT COUNT(*) FROM job_recipient WHERE address = ?")) {
            p.setString(1, address);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot search the job store", e);
        }
    }

    /** The rows one request of a window search looks at: how many, and the created_at of the oldest. */
    private record Window(long count, Instant oldest) {
    }

    /**
     * The next {@link #WINDOW} rows of the walk below the cursor (within the time range), from its index alone:
     * jobs, or the job_recipient rows of one address or one recipient status.
     */
    private Window window(Walk walk, String value, Instant from, Instant to, Cursor after) {
        String time = walk == Walk.JOBS ? "created_at" : "job_created_at";
        StringBuilder sql = new StringBuilder("SELECT COUNT(*), MIN(w.t) FROM (SELECT ").append(time)
                .append(" AS t FROM ");
        List<Object> args = new ArrayList<>();
        String order = time + " DESC";
        switch (walk) {
            case JOBS -> sql.append("mail_job WHERE 1 = 1");
            case RECIPIENT -> {
                sql.append("job_recipient WHERE address = ?");
                args.add(value);
                order = "address DESC, " + order;
            }
            case RECIPIENT_STATUS -> {
                sql.append("job_recipient WHERE status = ?");
                args.add(value);
                order = "status DESC, " + order;
            }
        }
        if (from != null) {
            sql.append(" AND ").append(time).append(" >= ?");
            args.add(Timestamp.from(from));
        }
        if (to != null) {
            sql.append(" AND ").append(time).append(" < ?");
            args.add(Timestamp.from(to));
        }
        if (after != null) {
            // rows at the cursor's very instant are in the window: the outer query sorts them out by id
            sql.append(" AND ").append(time).append(" <= ?");
            args.add(Timestamp.from(after.createdAt()));
        }
        sql.append(" ORDER BY ").append(order).append(" LIMIT ").append(window).append(") w");
        try (Connection conn = dataSource.getConnection(); PreparedStatement p = conn.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                p.setObject(i + 1, args.get(i));
            }
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return new Window(r.getLong(1), instant(r, 2));
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot search the job store", e);
        }
    }

    /** The job ids a search for "id" means: the job of that id, and the job that sent that Message-ID. */
    private List<String> idsFor(String id) {
        List<String> ids = new ArrayList<>();
        String messageId = id.startsWith("<") ? id : "<" + id + ">";
        try (Connection conn = dataSource.getConnection();
                PreparedStatement byId = conn.prepareStatement("SELECT id FROM mail_job WHERE id = ?");
                PreparedStatement byMessageId = conn.prepareStatement(
                        "SELECT id FROM mail_job WHERE message_id = ? LIMIT 20")) {
            byId.setString(1, id);
            try (ResultSet r = byId.executeQuery()) {
                if (r.next()) {
                    ids.add(r.getString(1));
                }
            }
            byMessageId.setString(1, messageId);
            try (ResultSet r = byMessageId.executeQuery()) {
                while (r.next()) {
                    if (!ids.contains(r.getString(1))) {
                        ids.add(r.getString(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot search the job store", e);
        }
        return ids;
    }

    /** One job with its recipients and its history (oldest first); empty when the store does not know it. */
    public Optional<JobDetail> job(String id) {
        try (Connection conn = dataSource.getConnection()) {
            JobDetail detail;
            try (PreparedStatement p = conn.prepareStatement("SELECT " + JOB_COLUMNS
                    + ", j.node, j.account, j.smtp_reply, j.reason, j.accepted FROM mail_job j WHERE j.id = ?")) {
                p.setString(1, id);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        return Optional.empty();
                    }
                    int acceptedCount = r.getInt("accepted");
                    Integer accepted = r.wasNull() ? null : acceptedCount;
                    detail = new JobDetail(row(r), r.getString("node"), r.getString("account"),
                            r.getString("smtp_reply"), r.getString("reason"), accepted,
                            new ArrayList<>(), new ArrayList<>());
                }
            }
            try (PreparedStatement p = conn.prepareStatement("SELECT address, status, reply, updated_at"
                    + " FROM job_recipient WHERE job_id = ? ORDER BY address")) {
                p.setString(1, id);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        detail.recipients().add(new Recipient(r.getString(1), r.getString(2), r.getString(3),
                                instant(r, "updated_at")));
                    }
                }
            }
            try (PreparedStatement p = conn.prepareStatement("SELECT at, status, node, attempt, message_id,"
                    + " smtp_reply, reason, next_attempt_at, detail FROM job_event WHERE job_id = ? ORDER BY id")) {
                p.setString(1, id);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        int attempt = r.getInt("attempt");
                        Integer attemptOrNull = r.wasNull() ? null : attempt;
                        detail.events().add(new Event(instant(r, "at"), r.getString("status"), r.getString("node"),
                                attemptOrNull, r.getString("message_id"), r.getString("smtp_reply"),
                                r.getString("reason"), instant(r, "next_attempt_at"), r.getString("detail")));
                    }
                }
            }
            return Optional.of(new JobDetail(detail.job(), detail.node(), detail.account(), detail.smtpReply(),
                    detail.reason(), detail.accepted(), List.copyOf(detail.recipients()),
                    List.copyOf(detail.events())));
        } catch (SQLException e) {
            throw new StateStoreException("cannot read job " + id, e);
        }
    }

    private static JobRow row(ResultSet r) throws SQLException {
        return new JobRow(r.getString("id"), lower(r.getString("status")), r.getString("channel"),
                r.getString("subject"), r.getString("from_address"), r.getInt("attempts"), r.getString("message_id"),
                instant(r, "next_attempt_at"), instant(r, "created_at"), instant(r, "updated_at"));
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    static Instant instant(ResultSet r, String column) throws SQLException {
        Timestamp t = r.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    static Instant instant(ResultSet r, int column) throws SQLException {
        Timestamp t = r.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** A LIKE pattern's text with its wildcards taken literally (escape character {@code !}). */
    static String likeEscaped(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    /** Where the next page starts: the last job shown (its created_at and id), opaque to the browser. */
    record Cursor(Instant createdAt, String id) {

        String encode() {
            String plain = createdAt + " " + id;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String s) {
            if (s == null || s.isBlank()) {
                return null;
            }
            try {
                String plain = new String(Base64.getUrlDecoder().decode(s.trim()), StandardCharsets.UTF_8);
                int space = plain.indexOf(' ');
                return new Cursor(Instant.parse(plain.substring(0, space)), plain.substring(space + 1));
            } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("after is not a cursor of this list");
            }
        }
    }
}
