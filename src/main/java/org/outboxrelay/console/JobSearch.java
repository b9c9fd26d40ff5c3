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

import org.outboxrelay.state.StateStoreException;

/**
 * The console's view of the job store: the mail list (search by id or Message-ID, recipient, subject, status,
 * channel and time, newest first, page by page) and one job with its recipients and history. Everything is one
 * SQL query on the tables of db/migration (mail_job, job_recipient, job_event), the same on the embedded H2 and on
 * PostgreSQL, walking an index of the schema (see the README's numbers, from ConsoleSearchBenchmark):
 * <ul>
 * <li>id or Message-ID: the primary key / mail_job_message_id, exact;</li>
 * <li>recipient: job_recipient_address, exact address (stored in lower case), joined to its jobs - up to
 * {@link #JOIN_LIMIT} of them; beyond that, as a filter over windows (below);</li>
 * <li>status of the job, time range: walked newest first on (status, created_at) or (created_at), stopping after
 * one page; the channel (one of three) is a filter on that walk;</li>
 * <li>subject (a case-insensitive "contains", which no portable index serves: no expression or trigram index on
 * both databases) and the recipients' statuses (refused, bounced, ...): with a recipient or an id they filter
 * those few jobs; otherwise each request looks at the next {@link #WINDOW} jobs (newest first, found on the
 * (created_at) index alone) and answers the matches among them, with a cursor to go on further back - so every
 * request costs about the same, whatever the store holds, and nothing needs an index that every write would
 * pay for.</li>
 * </ul>
 * Pages are keyset pages (created_at, id) - never OFFSET, so page 1000 costs what page 1 costs.
 */
public class JobSearch {

    public static final int MAX_PAGE = 200;
    /**
     * How many jobs one request looks at when a criterion has no index in time order (subject, recipient status,
     * a recipient with very many jobs); the answer's cursor goes on from there.
     */
    public static final int WINDOW = 10_000;
    /** A recipient with more jobs than this is searched as a filter over windows rather than by joining all. */
    public static final int JOIN_LIMIT = 2_000;
    /** Job statuses (mail_job.status) the list filters on. */
    public static final Set<String> JOB_STATUSES = Set.of("queued", "deferred", "sent", "failed");
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

    public JobSearch(DataSource dataSource) {
        this(dataSource, WINDOW, JOIN_LIMIT);
    }

    /** With other window and join sizes (tests). */
    JobSearch(DataSource dataSource, int window, int joinLimit) {
        this.dataSource = dataSource;
        this.window = window;
        this.joinLimit = joinLimit;
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
        // a recipient with few jobs: their rows, joined; one with very many: a filter on the walk through time
        boolean frequentRecipient = recipient != null && id == null && jobsOf(recipient) > joinLimit;
        if (recipient != null && !frequentRecipient) {
            // (job_id, address) is the key of job_recipient: one row per job, no DISTINCT needed
            sql.append(" FROM job_recipient r JOIN mail_job j ON j.id = r.job_id WHERE r.address = ?");
            args.add(recipient);
        } else {
            sql.append(" FROM mail_job j WHERE 1 = 1");
        }
        if (frequentRecipient) {
            sql.append(" AND EXISTS (SELECT 1 FROM job_recipient r WHERE r.job_id = j.id AND r.address = ?)");
            args.add(recipient);
        }
        if (id != null) {
            List<String> ids = idsFor(id);
            if (ids.isEmpty()) {
                return null;
            }
            sql.append(" AND j.id IN (").append("?, ".repeat(ids.size() - 1)).append("?)");
            args.addAll(ids);
        }
        boolean jobStatus = status != null && JOB_STATUSES.contains(status);
        if (jobStatus) {
            sql.append(" AND j.status = ?");
            args.add(status.toUpperCase(Locale.ROOT));
        } else if (status != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM job_recipient s WHERE s.job_id = j.id AND s.status = ?)");
            args.add(status);
        }
        String channel = blankToNull(c.channel());
        if (channel != null) {
            sql.append(" AND j.channel = ?");
            args.add(channel.toLowerCase(Locale.ROOT));
        }
        if (c.from() != null) {
            sql.append(" AND j.created_at >= ?");
            args.add(Timestamp.from(c.from()));
        }
        if (c.to() != null) {
            sql.append(" AND j.created_at < ?");
            args.add(Timestamp.from(c.to()));
        }
        Cursor after = Cursor.decode(c.after());
        // a criterion no index serves in time order: look at one window of jobs per request
        boolean unindexed = subject != null || frequentRecipient || (status != null && !jobStatus);
        Window scope = null;
        String note = null;
        if (unindexed && id == null && (recipient == null || frequentRecipient)) {
            scope = window(c.from(), c.to(), after);
            if (scope.count() == 0) {
                return null;
            }
            sql.append(" AND j.created_at >= ?");
            args.add(Timestamp.from(scope.oldest()));
            note = "Looked at the " + scope.count() + " jobs received since " + scope.oldest()
                    + (scope.count() < window ? "." : "; Older goes on further back.");
        }
        if (subject != null) {
            sql.append(" AND LOWER(j.subject) LIKE ? ESCAPE '!'");
            args.add("%" + likeEscaped(subject.toLowerCase(Locale.ROOT)) + "%");
        }
        if (after != null) {
            sql.append(" AND (j.created_at < ? OR (j.created_at = ? AND j.id < ?))");
            args.add(Timestamp.from(after.createdAt()));
            args.add(Timestamp.from(after.createdAt()));
            args.add(after.id());
        }
        int limit = Math.max(1, Math.min(MAX_PAGE, c.limit()));
        // with the status fixed, ordering by it first changes nothing but lets H2 read (status, created_at) in
        // order and stop after one page (it does not see that an equality makes a column constant)
        sql.append(" ORDER BY ").append(jobStatus ? "j.status DESC, " : "")
                .append("j.created_at DESC, j.id DESC LIMIT ").append(limit + 1);
        // a window that found less than a page: the next request goes on below it
        String continueAt = scope != null && scope.count() >= window
                ? new Cursor(scope.oldest(), "").encode() : null;
        return new Query(sql.toString(), List.copyOf(args), note, limit, continueAt);
    }

    /** How many jobs the store has for a recipient (an index count on job_recipient_address). */
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

    /** The jobs one request of a window search looks at: how many, and the created_at of the oldest. */
    private record Window(long count, Instant oldest) {
    }

    /** The next {@link #WINDOW} jobs below the cursor (within the time range), from the index alone. */
    private Window window(Instant from, Instant to, Cursor after) {
        StringBuilder sql = new StringBuilder("SELECT COUNT(*), MIN(w.created_at) FROM (SELECT created_at"
                + " FROM mail_job WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (from != null) {
            sql.append(" AND created_at >= ?");
            args.add(Timestamp.from(from));
        }
        if (to != null) {
            sql.append(" AND created_at < ?");
            args.add(Timestamp.from(to));
        }
        if (after != null) {
            // jobs at the cursor's very instant are in the window: the outer query sorts them out by id
            sql.append(" AND created_at <= ?");
            args.add(Timestamp.from(after.createdAt()));
        }
        sql.append(" ORDER BY created_at DESC LIMIT ").append(window).append(") w");
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
