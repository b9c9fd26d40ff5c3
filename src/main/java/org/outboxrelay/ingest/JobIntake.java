package org.outboxrelay.ingest;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.delivery.JobMessages;
import org.outboxrelay.job.JobHeaders;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.JobAdmission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door of the relay for channels that do not write to mail.jobs themselves (outbox folder, HTTP):
 * the idempotency check, and the message that goes onto {@code mail.jobs}.
 */
public class JobIntake {

    private static final Logger LOG = LoggerFactory.getLogger("org.outboxrelay.jobs");

    private final JobAdmission admission;
    private final RelayMetrics metrics;

    public JobIntake(JobAdmission admission, RelayMetrics metrics) {
        this.admission = admission;
        this.metrics = metrics;
    }

    /** Admits the job, or marks it a duplicate of an earlier job with the same id. */
    public void admit(@ExchangeProperty("job") QueuedJob job) {
        JobAdmission.Decision d = admission.admitNew(job);
        if (!d.admitted()) {
            job.markDuplicate(d.existing().id());
            LOG.info("Duplicate {}: a job with this id is already {}; not queued again", job, d.existing().id());
        } else if (d.fresh() && metrics != null) {
            metrics.received(job.getChannel().id());
        }
    }

    /**
     * The message for {@code mail.jobs}: the original payload and the job's identity, no other header - and the
     * admission token as its duplicate-detection id, so that a send the client repeats after a broker failover
     * (it could not know whether the first one arrived) is not queued twice.
     */
    public void toQueueMessage(Exchange exchange) {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        JobMessages.asQueueMessage(exchange.getMessage(), job)
                .setHeader(JobHeaders.DUPLICATE_ID, "intake:" + job.getAdmission());
    }
}
