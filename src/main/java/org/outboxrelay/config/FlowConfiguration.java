package org.outboxrelay.config;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.outboxrelay.broker.EventAudience;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.delivery.DailyRecipientBudget;
import org.outboxrelay.delivery.DeliveryEvents;
import org.outboxrelay.delivery.DeliveryFailure;
import org.outboxrelay.delivery.JobChecks;
import org.outboxrelay.delivery.JobLedger;
import org.outboxrelay.delivery.JobMessages;
import org.outboxrelay.delivery.JobReader;
import org.outboxrelay.delivery.MimeMessageBuilder;
import org.outboxrelay.delivery.OutcomeEvent;
import org.outboxrelay.delivery.OutgoingMessage;
import org.outboxrelay.delivery.PostponementLog;
import org.outboxrelay.delivery.RecipientBatches;
import org.outboxrelay.delivery.RetryPolicy;
import org.outboxrelay.delivery.SendResult;
import org.outboxrelay.delivery.SenderPolicy;
import org.outboxrelay.delivery.SmtpConnectionPool;
import org.outboxrelay.delivery.SmtpReplyClassifier;
import org.outboxrelay.dkim.DkimSigning;
import org.outboxrelay.flow.RouteSteps;
import org.outboxrelay.http.ApiProblems;
import org.outboxrelay.http.ApiReplies;
import org.outboxrelay.http.ApiReply;
import org.outboxrelay.http.HttpIntake;
import org.outboxrelay.ingest.JobIntake;
import org.outboxrelay.ingest.OutboxArchive;
import org.outboxrelay.ingest.OutboxFileParser;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.limits.AccountLimits;
import org.outboxrelay.observe.AuditTrail;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.StoreGate;
import org.outboxrelay.storage.StorageGuard;
import org.outboxrelay.suppression.SuppressionFilter;
import org.outboxrelay.template.TemplateRenderer;
import org.outboxrelay.unsubscribe.ListUnsubscribeHeaders;

/**
 * The steps every job goes through, by the names the route files use: the delivery path (delivery, outcomes,
 * suppression and the delivery-errors configuration) and the intake of jobs by the HTTP API (http-api) and the
 * outbox folder (outbox). Each is one bean's method, called with the job, the message or the outcome from the
 * exchange (see {@link RouteSteps} for why not {@code bean:}). Last of the configurations, since it calls beans
 * of all the others. A step named in a route but bound nowhere stops the relay at start, naming it.
 */
public class FlowConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        RouteSteps steps = new RouteSteps(context);
        reading(context, steps);
        sending(context, steps);
        outcomes(context, steps);
        jobIntake(context, steps);
        httpIntake(context, steps);
        outboxIntake(context, steps);
        httpReplies(steps);
    }

    /** From the JMS message to a job that may be sent: read, checked, admitted, rendered, filtered. */
    private static void reading(CamelContext context, RouteSteps steps) {
        JobMessages messages = bean(context, "jobMessages", JobMessages.class);
        JobReader reader = bean(context, "jobReader", JobReader.class);
        JobLedger ledger = bean(context, "jobLedger", JobLedger.class);
        JobChecks checks = bean(context, "jobChecks", JobChecks.class);
        TemplateRenderer templates = bean(context, "templateRenderer", TemplateRenderer.class);
        SuppressionFilter suppression = bean(context, "suppression", SuppressionFilter.class);
        SenderPolicy senders = bean(context, "senderPolicy", SenderPolicy.class);
        MimeMessageBuilder mime = bean(context, "mimeBuilder", MimeMessageBuilder.class);
        RecipientBatches batches = bean(context, "recipientBatches", RecipientBatches.class);
        steps.step("jobMessages.detach", messages::detach)
                .value("jobReader.read", reader::read)
                .step("jobReader.validate", e -> reader.validate(job(e)))
                .step("jobLedger.admit", e -> ledger.admit(job(e)))
                .condition("jobChecks.duplicate", e -> checks.duplicate(job(e)))
                .step("templateRenderer.render", e -> templates.render(job(e)))
                .step("suppression.filter", e -> suppression.filter(job(e)))
                .step("senderPolicy.check", e -> senders.check(job(e)))
                .value("mimeBuilder.build", e -> mime.build(job(e)))
                .value("recipientBatches.split", e -> batches.split(message(e), job(e)));
    }

    /** Each message of the job: the account's pause and limits, its headers and signature, its connection. */
    private static void sending(CamelContext context, RouteSteps steps) {
        AccountPause pause = bean(context, "accountPause", AccountPause.class);
        ListUnsubscribeHeaders unsubscribe = bean(context, "listUnsubscribe", ListUnsubscribeHeaders.class);
        DkimSigning dkim = bean(context, "dkimSigning", DkimSigning.class);
        SmtpConnectionPool connections = bean(context, "smtpConnections", SmtpConnectionPool.class);
        AccountLimits limits = bean(context, "accountLimits", AccountLimits.class);
        DailyRecipientBudget budget = bean(context, "dailyRecipientBudget", DailyRecipientBudget.class);
        JobLedger ledger = bean(context, "jobLedger", JobLedger.class);
        steps.step("accountPause.check", pause::check)
                .step("listUnsubscribe.add", e -> unsubscribe.add(message(e), job(e)))
                .step("dkimSigning.sign", e -> dkim.sign(message(e)))
                .step("smtpConnections.reserve", connections::reserve)
                .step("accountLimits.takeMessage", e -> limits.takeMessage())
                .step("dailyRecipientBudget.reserve", e -> budget.reserve(message(e), job(e)))
                .step("jobLedger.partSent", e -> ledger.partSent(message(e), job(e)))
                .step("dailyRecipientBudget.refundReserved", e -> budget.refundReserved(job(e)));
    }

    /** What happens once the job has an outcome: the ledger, the queues, the events, the audit and metrics. */
    private static void outcomes(CamelContext context, RouteSteps steps) {
        JobLedger ledger = bean(context, "jobLedger", JobLedger.class);
        JobChecks checks = bean(context, "jobChecks", JobChecks.class);
        JobMessages messages = bean(context, "jobMessages", JobMessages.class);
        DeliveryEvents events = bean(context, "deliveryEvents", DeliveryEvents.class);
        RetryPolicy retries = bean(context, "retryPolicy", RetryPolicy.class);
        AccountPause pause = bean(context, "accountPause", AccountPause.class);
        SmtpReplyClassifier classifier = bean(context, "smtpReplyClassifier", SmtpReplyClassifier.class);
        StoreGate storeGate = bean(context, "storeGate", StoreGate.class);
        OutboxArchive outbox = bean(context, "outboxArchive", OutboxArchive.class);
        PostponementLog postponements = bean(context, "postponementLog", PostponementLog.class);
        AuditTrail audit = bean(context, "auditTrail", AuditTrail.class);
        RelayMetrics metrics = bean(context, "relayMetrics", RelayMetrics.class);
        EventAudience audience = bean(context, "eventAudience", EventAudience.class);
        steps.value("jobLedger.sent", e -> ledger.sent(job(e)))
                .condition("jobChecks.outboxFileDone", e -> checks.outboxFileDone(job(e), result(e)))
                .condition("jobChecks.someDeferred", e -> checks.someDeferred(result(e)))
                .condition("jobChecks.newlySuppressed", e -> checks.newlySuppressed(job(e)))
                .value("jobLedger.deferredRecipients", e -> ledger.deferredRecipients(result(e)))
                .value("retryPolicy.next", e -> retries.next(job(e)))
                .value("jobLedger.givingUp", e -> ledger.givingUp(job(e), failure(e)))
                .step("jobLedger.deferred", e -> ledger.deferred(job(e), failure(e), retry(e)))
                .step("jobLedger.failed", e -> ledger.failed(job(e), failure(e)))
                .step("jobLedger.duplicate", e -> ledger.duplicate(job(e)))
                .value("accountPause.pause", e -> pause.pause(failure(e)))
                .value("smtpReplyClassifier.classify", classifier::classify)
                .step("storeGate.down", storeGate::down)
                .value("outboxArchive.duplicateFailure", outbox::duplicateFailure)
                .value("outboxArchive.original", e -> job(e).getPayload())
                .value("outboxArchive.sentName", outbox::sentName)
                .step("jobMessages.retry", messages::retry)
                .step("jobMessages.postpone", messages::postpone)
                .step("jobMessages.deadLetter", messages::deadLetter)
                .step("relayMetrics.postponed", metrics::postponed)
                .step("postponementLog.note", postponements::note)
                .value("deliveryEvents.sent", e -> events.sent(job(e), result(e)))
                .value("deliveryEvents.deferred", e -> events.deferred(job(e), failure(e), retry(e)))
                .value("deliveryEvents.failed", e -> events.failed(job(e), failure(e)))
                .value("deliveryEvents.duplicate", e -> events.duplicate(job(e)))
                .value("deliveryEvents.suppressed", e -> events.suppressed(job(e)))
                .step("auditTrail.record", e -> audit.record(event(e), e))
                .step("relayMetrics.outcome", e -> metrics.outcome(event(e), e))
                .condition("eventAudience.present", e -> audience.present())
                .step("deliveryEvents.asTopicMessage", events::asTopicMessage);
    }

    /** What the doors that take jobs in (HTTP, outbox) share: the admission, and the job as a mail.jobs message. */
    private static void jobIntake(CamelContext context, RouteSteps steps) {
        JobIntake jobs = bean(context, "jobIntake", JobIntake.class);
        steps.step("jobIntake.admit", e -> jobs.admit(job(e)))
                .step("jobIntake.toQueueMessage", jobs::toQueueMessage);
    }

    /** POST /api/v1/mails and its batches: read, check and queue each job, and answer. */
    private static void httpIntake(CamelContext context, RouteSteps steps) {
        HttpIntake intake = bean(context, "httpIntake", HttpIntake.class);
        ApiReplies replies = bean(context, "apiReplies", ApiReplies.class);
        ApiProblems problems = bean(context, "apiProblems", ApiProblems.class);
        StorageGuard storage = bean(context, "storageGuard", StorageGuard.class);
        JobChecks checks = bean(context, "jobChecks", JobChecks.class);
        steps.value("httpIntake.readJob", intake::readJob)
                .value("httpIntake.readBatch", intake::readBatch)
                .value("httpIntake.readBatchItem", e -> intake.readBatchItem(e.getMessage().getBody(JsonNode.class)))
                .step("storageGuard.checkIntake", e -> storage.checkIntake())
                .step("httpIntake.checkSeen", e -> intake.checkSeen(job(e)))
                .condition("jobChecks.notDuplicate", e -> checks.notDuplicate(job(e)))
                .step("httpIntake.admit", e -> intake.admit(job(e)))
                .value("apiReplies.submitted", e -> replies.submitted(job(e)))
                .value("apiReplies.batchItem", e -> replies.batchItem(job(e)))
                .value("apiReplies.batch", e -> replies.batch(batchResults(e)))
                .value("apiProblems.rejectedItem", e -> problems.rejectedItem(
                        e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class), job(e)));
    }

    /** Each file taken from the outbox folder, read on the poller; then checked, admitted and queued as above. */
    private static void outboxIntake(CamelContext context, RouteSteps steps) {
        OutboxFileParser parser = bean(context, "outboxFileParser", OutboxFileParser.class);
        steps.value("outboxFileParser.read", parser::read);
    }

    /**
     * The parts of an HTTP answer (the exchange property "reply") that the route http-respond writes, for every
     * route that answers through it: typed reads instead of simple's OGNL ({@code ${exchangeProperty.reply.status}}
     * calls the record's method by reflection, through a bean expression, on every call).
     */
    private static void httpReplies(RouteSteps steps) {
        steps.value("apiReply.status", e -> reply(e).status())
                .value("apiReply.contentType", e -> reply(e).contentType())
                .condition("apiReply.hasLocation", e -> reply(e).location() != null)
                .value("apiReply.location", e -> reply(e).location())
                .value("apiReply.body", e -> reply(e).body());
    }

    private static ApiReply reply(Exchange exchange) {
        return exchange.getProperty("reply", ApiReply.class);
    }

    @SuppressWarnings("unchecked")
    private static List<ObjectNode> batchResults(Exchange exchange) {
        return exchange.getMessage().getBody(List.class);
    }

    private static <T> T bean(CamelContext context, String name, Class<T> type) {
        return Beans.get(context, name, type);
    }

    // the exchange's parts the steps take, by the names the route files give them

    private static QueuedJob job(Exchange exchange) {
        return exchange.getProperty("job", QueuedJob.class);
    }

    private static SendResult result(Exchange exchange) {
        return exchange.getProperty("result", SendResult.class);
    }

    private static DeliveryFailure failure(Exchange exchange) {
        return exchange.getProperty("failure", DeliveryFailure.class);
    }

    private static RetryPolicy.Decision retry(Exchange exchange) {
        return exchange.getProperty("retry", RetryPolicy.Decision.class);
    }

    private static OutgoingMessage message(Exchange exchange) {
        return exchange.getMessage().getBody(OutgoingMessage.class);
    }

    private static OutcomeEvent event(Exchange exchange) {
        return exchange.getMessage().getBody(OutcomeEvent.class);
    }
}
