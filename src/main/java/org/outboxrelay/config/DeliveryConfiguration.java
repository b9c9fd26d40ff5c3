package org.outboxrelay.config;

import java.time.Clock;
import java.time.Duration;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.outboxrelay.delivery.DeliveryEvents;
import org.outboxrelay.delivery.JobChecks;
import org.outboxrelay.delivery.JobLedger;
import org.outboxrelay.delivery.JobMessages;
import org.outboxrelay.delivery.JobReader;
import org.outboxrelay.delivery.PostponementLog;
import org.outboxrelay.ingest.JobIntake;
import org.outboxrelay.ingest.OutboxArchive;
import org.outboxrelay.ingest.OutboxFileParser;
import org.outboxrelay.ingest.OutboxReadLock;
import org.outboxrelay.job.MailJobParser;
import org.outboxrelay.job.RawMessageParser;
import org.outboxrelay.observe.AuditTrail;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.template.TemplateRenderer;

/**
 * The jobs' way through the routes: reading and checking a job, the outbox folder's beans, templates, the
 * ledger of outcomes, the messages put back on the broker, and the events and audit trail of each outcome.
 */
public class DeliveryConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        Clock clock = Beans.get(context, "relayClock", Clock.class);
        RelayMetrics metrics = Beans.get(context, "relayMetrics", RelayMetrics.class);
        JobStateStore store = Beans.get(context, "jobStore", JobStateStore.class);
        JobAdmission admission = Beans.get(context, "jobAdmission", JobAdmission.class);
        long maxBytes = relay.maxMessageBytes();

        AuditTrail audit = new AuditTrail(relay.dataDir().resolve("log"), relay.auditIncludeAddresses(),
                relay.auditMaxFileSize(), relay.auditMaxFiles(), clock);
        context.addService(audit, true);
        Beans.bind(context, "auditTrail", audit);
        Beans.bind(context, "jobReader", new JobReader(new MailJobParser(), new RawMessageParser(), maxBytes, clock));
        Beans.bind(context, "jobLedger", new JobLedger(store, admission, clock, metrics));
        Beans.bind(context, "jobIntake", new JobIntake(admission, metrics));
        Beans.bind(context, "jobMessages", new JobMessages(clock));
        Beans.bind(context, "postponementLog", new PostponementLog(clock, Duration.ofMinutes(1)));
        Beans.bind(context, "deliveryEvents", new DeliveryEvents(clock, relay.node().id()));
        Beans.bind(context, "jobChecks", new JobChecks());
        Beans.bind(context, "outboxReadLock", new OutboxReadLock(relay.outboxMinAge(), maxBytes));
        Beans.bind(context, "outboxFileParser", new OutboxFileParser(maxBytes, clock));
        Beans.bind(context, "outboxArchive", new OutboxArchive(relay.outboxDir(), clock));
        Beans.bind(context, "templateRenderer", new TemplateRenderer(relay.templatesDir(),
                relay.templatesUpdateDelay()));
        Beans.bind(context, "retryPolicy", relay.retryPolicy());
    }
}
