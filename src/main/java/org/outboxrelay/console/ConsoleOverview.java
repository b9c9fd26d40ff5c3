package org.outboxrelay.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.outboxrelay.state.StateStoreException;

/**
 * What the console's overview reads from the job store, for the whole cluster (every relay writes these tables):
 * the mail flow of the last hour (jobs received per channel from mail_job, each outcome from job_event), the backlog from
 * mail_job (queued and deferred jobs, the oldest waiting one), and the account's pause and today's recipient
 * budget from account_pause and account_daily_recipients.
 */
public class ConsoleOverview {

    public static final Duration FLOW_WINDOW = Duration.ofHours(1);

    /** Jobs received in the window per channel, and the outcomes (sent, deferred, failed, bounced, ...) in it. */
    public record Flow(Instant since, Map<String, Long> receivedByChannel, Map<String, Long> outcomes) {
    }

    /** Jobs waiting in the store: queued (not tried yet), deferred (waiting for their next attempt). */
    public record Backlog(long queued, long deferred, Instant oldestWaiting) {
    }

    /** The account's pause (paused until, why, what to do) and today's recipients (UTC day) against the limit. */
    public record Account(String account, boolean paused, Instant pausedUntil, String reason, String fix,
            int pausesInARow, long recipientsToday, int recipientsPerDay) {
    }

    private final DataSource dataSource;
    private final Clock clock;
    private final String account;
    private final int recipientsPerDay;

    /**
     * @param account the sending account as the store keys it (relay.smtp.from, lower case)
     * @param recipientsPerDay relay.limits.recipients-per-day (0: no limit)
     */
    public ConsoleOverview(DataSource dataSource, Clock clock, String account, int recipientsPerDay) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.account = account.toLowerCase(Locale.ROOT);
        this.recipientsPerDay = recipientsPerDay;
    }

    public Flow flow() {
        Instant since = clock.instant().minus(FLOW_WINDOW);
        Map<String, Long> received = new TreeMap<>();
        Map<String, Long> outcomes = new TreeMap<>();
        try (Connection c = dataSource.getConnection()) {
            // job_event_at walks the window
            try (PreparedStatement p = c.prepareStatement("SELECT status, COUNT(*) FROM job_event WHERE at >= ?"
                    + " AND status NOT IN ('queued', 'received') GROUP BY status")) {
                p.setTimestamp(1, Timestamp.from(since));
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        outcomes.put(r.getString(1), r.getLong(2));
                    }
                }
            }
            // a job is received once: the jobs created in the window, on mail_job_created (a join with job_event
            // let H2, the embedded store of earlier versions, pick a scan of mail_job)
            try (PreparedStatement p = c.prepareStatement("SELECT channel, COUNT(*) FROM mail_job"
                    + " WHERE created_at >= ? GROUP BY channel")) {
                p.setTimestamp(1, Timestamp.from(since));
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        received.put(r.getString(1) == null ? "unknown" : r.getString(1), r.getLong(2));
                    }
                }
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the mail flow from the job store", e);
        }
        return new Flow(since, received, outcomes);
    }

    public Backlog backlog() {
        try (Connection c = dataSource.getConnection()) {
            long queued = count(c, "QUEUED");
            long deferred = count(c, "DEFERRED");
            Instant oldest = null;
            for (String status : new String[] {"QUEUED", "DEFERRED"}) {
                // one index probe each on (status, created_at), rather than MIN over an IN list
                try (PreparedStatement p = c.prepareStatement("SELECT MIN(created_at) FROM mail_job WHERE status = ?")) {
                    p.setString(1, status);
                    try (ResultSet r = p.executeQuery()) {
                        Timestamp t = r.next() ? r.getTimestamp(1) : null;
                        Instant at = t == null ? null : t.toInstant();
                        oldest = at != null && (oldest == null || at.isBefore(oldest)) ? at : oldest;
                    }
                }
            }
            return new Backlog(queued, deferred, oldest);
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the backlog from the job store", e);
        }
    }

    private static long count(Connection c, String status) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT COUNT(*) FROM mail_job WHERE status = ?")) {
            p.setString(1, status);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    public Account account() {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            Instant until = null;
            String reason = null;
            String fix = null;
            int inARow = 0;
            try (PreparedStatement p = c.prepareStatement("SELECT paused_until, reason, fix, pauses_in_a_row"
                    + " FROM account_pause WHERE account = ?")) {
                p.setString(1, account);
                try (ResultSet r = p.executeQuery()) {
                    if (r.next()) {
                        Timestamp t = r.getTimestamp(1);
                        until = t == null ? null : t.toInstant();
                        reason = r.getString(2);
                        fix = r.getString(3);
                        inARow = r.getInt(4);
                    }
                }
            }
            long used = 0;
            try (PreparedStatement p = c.prepareStatement("SELECT used FROM account_daily_recipients"
                    + " WHERE account = ? AND budget_day = ?")) {
                p.setString(1, account);
                p.setObject(2, LocalDate.ofInstant(now, ZoneOffset.UTC));
                try (ResultSet r = p.executeQuery()) {
                    used = r.next() ? r.getLong(1) : 0;
                }
            }
            boolean paused = until != null && now.isBefore(until);
            return new Account(account, paused, paused ? until : null, paused ? reason : null, paused ? fix : null,
                    inARow, used, recipientsPerDay);
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the account's state from the job store", e);
        }
    }
}
