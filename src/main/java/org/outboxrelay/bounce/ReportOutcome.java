package org.outboxrelay.bounce;

import java.util.List;

import org.outboxrelay.delivery.OutcomeEvent;
import org.outboxrelay.state.ProcessedReport;

/**
 * What the bounce reader made of one message (the exchange property {@code report} of routes/bounces.camel.yaml):
 * {@code handled} - recorded on its job, to be moved to the processed folder - with the event to publish (null
 * when there is nothing to tell, e.g. a report seen before), or left in the mailbox as it is.
 */
public final class ReportOutcome {

    private final String reportId;
    private final ProcessedReport.Outcome outcome;
    private final String jobId;
    private final String detail;
    private final List<BouncedRecipient> recipients;
    private final OutcomeEvent event;
    private final boolean seenBefore;

    ReportOutcome(String reportId, ProcessedReport.Outcome outcome, String jobId, String detail,
            List<BouncedRecipient> recipients, OutcomeEvent event, boolean seenBefore) {
        this.reportId = reportId;
        this.outcome = outcome;
        this.jobId = jobId;
        this.detail = detail;
        this.recipients = recipients == null ? List.of() : List.copyOf(recipients);
        this.event = event;
        this.seenBefore = seenBefore;
    }

    public boolean isHandled() {
        return outcome == ProcessedReport.Outcome.HANDLED;
    }

    /** Handled now (not in an earlier run): the reader records it as processed once its event is out. */
    public boolean isNew() {
        return !seenBefore;
    }

    public OutcomeEvent getEvent() {
        return event;
    }

    public String reportId() {
        return reportId;
    }

    public ProcessedReport.Outcome outcome() {
        return outcome;
    }

    public String jobId() {
        return jobId;
    }

    public String detail() {
        return detail;
    }

    public List<BouncedRecipient> recipients() {
        return recipients;
    }

    @Override
    public String toString() {
        return "report " + reportId + ": " + outcome.id() + (jobId == null ? "" : " (job " + jobId + ")");
    }
}
