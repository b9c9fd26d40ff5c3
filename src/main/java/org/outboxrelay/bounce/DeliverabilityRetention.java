package org.outboxrelay.bounce;

import java.time.Clock;
import java.time.Duration;

import org.outboxrelay.state.ProcessedReportStore;
import org.outboxrelay.state.RecipientOutcomeStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets recipient outcomes and processed reports after relay.status.retention, as jobs are forgotten. The
 * suppression list is never forgotten: an address leaves it only by hand.
 */
public class DeliverabilityRetention {

    private static final Logger LOG = LoggerFactory.getLogger(DeliverabilityRetention.class);

    private final RecipientOutcomeStore outcomes;
    private final ProcessedReportStore reports;
    private final Duration retention;
    private final Clock clock;

    public DeliverabilityRetention(RecipientOutcomeStore outcomes, ProcessedReportStore reports, Duration retention,
            Clock clock) {
        this.outcomes = outcomes;
        this.reports = reports;
        this.retention = retention;
        this.clock = clock;
    }

    public void forgetExpired() {
        int o = outcomes.deleteBefore(clock.instant().minus(retention));
        int r = reports.deleteBefore(clock.instant().minus(retention));
        if (o + r > 0) {
            LOG.info("Forgot {} recipient outcome(s) and {} processed report(s) older than {}", o, r, retention);
        }
    }
}
