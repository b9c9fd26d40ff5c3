package org.outboxrelay.state;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * Bounces, delays, complaints and suppressions per recipient of a job (table {@code recipient_outcome}), for the
 * job's status, the soft bounce limit and the bounce rate. Recording is idempotent: the same report about the
 * same recipient of the same job is kept once, however often it is read.
 */
public class RecipientOutcomeStore {

    private static final String COLUMNS = "account, job_id, address, outcome, status_code, dsn_action, detail,"
            + " report_id, occurred_at";

    private final Jdbc jdbc;

    public RecipientOutcomeStore(DataSource dataSource) {
        this.jdbc = new Jdbc(dataSource);
    }

    /**
     * False when it was recorded before. A new outcome also becomes the recipient's status on the job
     * ({@code job_recipient}: bounced, delayed, complained, suppressed), which the job's status and the console show.
     */
    public boolean record(RecipientOutcome o) {
        boolean added = jdbc.insertIfAbsent("INSERT INTO recipient_outcome (account, job_id, address, address_lower,"
                + " outcome, status_code, dsn_action, detail, report_id, occurred_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                o.account(), o.jobId(), o.address(), Suppression.key(o.address()), o.kind().id(),
                SuppressionStore.cut(o.statusCode(), 16), SuppressionStore.cut(o.action(), 32),
                SuppressionStore.cut(o.detail(), 2000), SuppressionStore.cut(o.reportId(), 998), o.at());
        if (added) {
            String reply = o.statusCode() == null ? o.detail()
                    : o.detail() == null ? o.statusCode() : o.statusCode() + " " + o.detail();
            jdbc.update("UPDATE job_recipient SET status = ?, reply = ?, updated_at = ? WHERE job_id = ?"
                    + " AND address = ?", o.kind().id(), SuppressionStore.cut(reply, 2000), o.at(), o.jobId(),
                    Suppression.key(o.address()));
        }
        return added;
    }

    /** Everything known of the job's recipients, oldest first. */
    public List<RecipientOutcome> forJob(String jobId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM recipient_outcome WHERE job_id = ? ORDER BY occurred_at, id",
                RecipientOutcomeStore::read, jobId);
    }

    /** Recipients of the account with this outcome since then (a recipient bounced by two jobs counts twice). */
    public long countSince(String account, RecipientOutcome.Kind kind, Instant since) {
        return jdbc.count("SELECT COUNT(*) FROM recipient_outcome WHERE account = ? AND outcome = ?"
                + " AND occurred_at >= ?", account.toLowerCase(Locale.ROOT), kind.id(), since);
    }

    /** Reports with this outcome for one address of the account since then. */
    public long countForAddressSince(String account, String address, RecipientOutcome.Kind kind, Instant since) {
        return jdbc.count("SELECT COUNT(*) FROM recipient_outcome WHERE account = ? AND address_lower = ?"
                + " AND outcome = ? AND occurred_at >= ?", account.toLowerCase(Locale.ROOT),
                Suppression.key(address), kind.id(), since);
    }

    /**
     * Recipients the SMTP server accepted for the account's jobs sent since then: the denominator of the bounce
     * rate (jobs recorded before the store knew their account count too).
     */
    public long acceptedSince(String account, Instant since) {
        return jdbc.count("SELECT COALESCE(SUM(accepted), 0) FROM mail_job WHERE status = 'SENT'"
                + " AND updated_at >= ? AND (account = ? OR account IS NULL)", since, account.toLowerCase(Locale.ROOT));
    }

    /** The job whose message had this Message-ID (as the relay set it, with its angle brackets). */
    public Optional<String> jobForMessageId(String messageId) {
        return jdbc.query("SELECT id FROM mail_job WHERE message_id = ?", r -> r.getString(1), messageId)
                .stream().findFirst();
    }

    public int deleteBefore(Instant cutoff) {
        return jdbc.update("DELETE FROM recipient_outcome WHERE occurred_at < ?", cutoff);
    }

    private static RecipientOutcome read(ResultSet r) throws SQLException {
        return new RecipientOutcome(r.getString("account"), r.getString("job_id"), r.getString("address"),
                RecipientOutcome.Kind.of(r.getString("outcome")), r.getString("status_code"),
                r.getString("dsn_action"), r.getString("detail"), r.getString("report_id"),
                Jdbc.instant(r, "occurred_at"));
    }
}
