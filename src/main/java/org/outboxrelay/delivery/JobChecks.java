package org.outboxrelay.delivery;

import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.QueuedJob;

/**
 * The conditions the delivery path branches on for every job, as named predicates for the routes' filters
 * ({@code ref: jobChecks.duplicate}, bound by FlowConfiguration). They say what {@code simple} would say with
 * {@code ${exchangeProperty.job.duplicate}}, but simple's property paths (OGNL) build and resolve a bean expression,
 * on a copy of the exchange, at every evaluation: on every job.
 */
public class JobChecks {

    /** The job's id was already sent, or is queued as another copy (see JobLedger.admit). */
    public boolean duplicate(@ExchangeProperty("job") QueuedJob job) {
        return job.isDuplicate();
    }

    /** The job is new (JobLedger.admit or HttpIntake.checkSeen found no earlier one): it is queued. */
    public boolean notDuplicate(@ExchangeProperty("job") QueuedJob job) {
        return !job.isDuplicate();
    }

    /** An outbox job that is done: every recipient got it, so its file goes to outbox/sent/. */
    public boolean outboxFileDone(@ExchangeProperty("job") QueuedJob job,
            @ExchangeProperty("result") SendResult result) {
        return job.isFromOutbox() && !result.hasDeferred();
    }

    /** Some recipients were only deferred (4xx): the job is tried again for them. */
    public boolean someDeferred(@ExchangeProperty("result") SendResult result) {
        return result.hasDeferred();
    }

    /** Some recipients were left out as suppressed, and not yet reported in an earlier attempt's event. */
    public boolean newlySuppressed(@ExchangeProperty("job") QueuedJob job) {
        return job.hasNewlySuppressed();
    }
}
