package org.outboxrelay.state;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * The reports the bounce reader has seen (table {@code processed_report}), by account and the report's
 * Message-ID: each is handled once, also across restarts and by several relays reading the same mailbox.
 */
public class ProcessedReportStore {

    private final Jdbc jdbc;

    public ProcessedReportStore(DataSource dataSource) {
        this.jdbc = new Jdbc(dataSource);
    }

    public Optional<ProcessedReport> find(String account, String reportId) {
        return jdbc.query("SELECT account, report_id, outcome, job_id, detail, processed_at FROM processed_report"
                + " WHERE account = ? AND report_id = ?",
                r -> new ProcessedReport(r.getString(1), r.getString(2), ProcessedReport.Outcome.of(r.getString(3)),
                        r.getString(4), r.getString(5), Jdbc.instant(r, "processed_at")),
                account.toLowerCase(Locale.ROOT), reportId).stream().findFirst();
    }

    /** False when another relay (or an earlier run) recorded it first. */
    public boolean record(ProcessedReport p) {
        return jdbc.insertIfAbsent("INSERT INTO processed_report (account, report_id, outcome, job_id, detail,"
                + " processed_at) VALUES (?, ?, ?, ?, ?, ?)", p.account(), SuppressionStore.cut(p.reportId(), 998),
                p.outcome().id(), p.jobId(), SuppressionStore.cut(p.detail(), 2000), p.at());
    }

    public long count(String account, ProcessedReport.Outcome outcome) {
        return jdbc.count("SELECT COUNT(*) FROM processed_report WHERE account = ? AND outcome = ?",
                account.toLowerCase(Locale.ROOT), outcome.id());
    }

    public int deleteBefore(Instant cutoff) {
        return jdbc.update("DELETE FROM processed_report WHERE processed_at < ?", cutoff);
    }
}
