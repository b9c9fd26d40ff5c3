package org.outboxrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.outboxrelay.bounce.BouncedRecipient;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.SuppressedRecipient;
import org.outboxrelay.replies.ReplyRule;
import org.outboxrelay.state.JobRecord;
import org.outboxrelay.state.JobStatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events of mail.events, field by field and in order, as the contract shows them. */
class DeliveryEventsTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:15:30.123Z");
    private final DeliveryEvents events = new DeliveryEvents(Clock.fixed(NOW, ZoneOffset.UTC), "node-a");

    private static QueuedJob job(Channel channel, String outboxFile, int previousAttempts) {
        QueuedJob job = new QueuedJob("job-1", channel, false, "{}".getBytes(StandardCharsets.UTF_8),
                previousAttempts, NOW, outboxFile, "jms:1");
        job.setMessageId("<m1.relay@example.com>");
        return job;
    }

    @Test
    void sentNamesRefusedAndRetriedRecipients() {
        SendResult result = new SendResult(List.of("a@example.com"),
                List.of(new SendResult.Refusal("gone@example.com", 550, "550 5.1.1 \"unknown\"")),
                List.of(new SendResult.Refusal("busy@example.com", 451, "451 4.2.0 busy")), 250, "250 2.0.0 Ok");
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"sent\",\"channel\":\"jms\","
                        + "\"attempt\":1,\"node\":\"node-a\",\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":\"250 2.0.0 Ok\","
                        + "\"recipients\":{\"accepted\":1,\"refused\":[{\"address\":\"gone@example.com\","
                        + "\"reply\":\"550 5.1.1 \\\"unknown\\\"\"},{\"address\":\"busy@example.com\","
                        + "\"reply\":\"451 4.2.0 busy\",\"retried\":true}]}}",
                events.sent(job(Channel.JMS, null, 0), result).toJson());
    }

    @Test
    void deferredSaysWhyAndWhenNext() {
        DeliveryFailure failure = new DeliveryFailure(FailureKind.TRANSIENT, 421, "4.3.0", "421 4.3.0 try later",
                "the server said to try later", null, List.of(new SendResult.Refusal("x@example.com", 450, "450 no")),
                new ReplyRule("generic", "busy", "421", null, null, null, null, "busy", "wait; it passes"));
        RetryPolicy.Decision retry = new RetryPolicy.Decision(false, NOW.plusSeconds(30), Duration.ofSeconds(30));
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"deferred\","
                        + "\"channel\":\"outbox\",\"attempt\":2,\"file\":\"a.json\",\"node\":\"node-a\",\"at\":\"2026-11-30T10:15:30.123Z\","
                        + "\"smtpReply\":\"421 4.3.0 try later\",\"recipients\":{\"accepted\":0,\"refused\":"
                        + "[{\"address\":\"x@example.com\",\"reply\":\"450 no\",\"retried\":true}]},"
                        + "\"reason\":\"the server said to try later\",\"fix\":\"wait; it passes\",\"nextAttemptAt\":\"2026-11-30T10:16:00.123Z\"}",
                events.deferred(job(Channel.OUTBOX, "a.json", 1), failure, retry).toJson());
    }

    @Test
    void failedAndDuplicateCarryAReasonEvenWithoutReply() {
        DeliveryFailure failure = new DeliveryFailure(FailureKind.PERMANENT, 0, null, null,
                "invalid job: to: someone@example.com is not an address");
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"failed\","
                        + "\"channel\":\"http\",\"attempt\":1,\"node\":\"node-a\",\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[]},"
                        + "\"reason\":\"invalid job: to: <address> is not an address\",\"fix\":null}",
                events.failed(job(Channel.HTTP, null, 0), failure).toJson());
        QueuedJob duplicate = job(Channel.JMS, null, 0);
        duplicate.markDuplicate("sent");
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"duplicate\","
                        + "\"channel\":\"jms\",\"attempt\":1,\"node\":\"node-a\",\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[]},\"reason\":\"a job with this id is already sent\"}",
                events.duplicate(duplicate).toJson());
    }

    @Test
    void aRejectedOutboxFileIsNamedByItsFile() {
        DeliveryFailure failure = new DeliveryFailure(FailureKind.PERMANENT, 0, null, null, "invalid job: (job) is empty");
        assertEquals("{\"jobId\":null,\"messageId\":null,\"status\":\"failed\",\"channel\":\"outbox\",\"attempt\":0,"
                        + "\"file\":\"broken.json\",\"node\":\"node-a\",\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[]},\"reason\":\"invalid job: (job) is empty\"}",
                events.rejected(null, failure, "broken.json").toJson());
    }

    @Test
    void aRejectedOutboxFileHasAFileEvenWhenItIsNotKnown() {
        assertEquals("{\"jobId\":null,\"messageId\":null,\"status\":\"failed\",\"channel\":\"outbox\",\"attempt\":0,"
                        + "\"file\":null,\"node\":\"node-a\",\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[]},\"reason\":null}",
                events.rejected(null, null, null).toJson());
    }

    @Test
    void suppressedRecipientsAreListedOnceWithTheirReason() {
        QueuedJob job = job(Channel.HTTP, null, 1);
        job.setSuppressed(List.of(new SuppressedRecipient("gone@example.com", "hard-bounce", true),
                new SuppressedRecipient("old@example.com", "unsubscribed", false)));
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"suppressed\","
                        + "\"channel\":\"http\",\"attempt\":2,\"node\":\"node-a\",\"at\":\"2026-11-30T10:15:30.123Z\","
                        + "\"smtpReply\":null,\"recipients\":{\"accepted\":0,\"refused\":[{\"address\":\"gone@example.com\","
                        + "\"reply\":\"suppressed: hard-bounce\",\"reason\":\"hard-bounce\"}]},"
                        + "\"reason\":\"1 recipient(s) on the suppression list left out, nothing sent to them\"}",
                events.suppressed(job).toJson());
    }

    @Test
    void aReportNamesEachRecipientAndTheReportButNoNode() {
        JobRecord job = new JobRecord("job-1", JobStatus.SENT, "jms", "jms:1", 1, "<m1.relay@example.com>",
                "250 ok", null, 2, null, List.of(), null, NOW, NOW, "acct", null, "node-b");
        OutcomeEvent bounced = events.report("bounced", job, "r-7", List.of(
                new BouncedRecipient("a@example.com", "hard", "5.1.1", "failed", "550 5.1.1 no such user",
                        "hard-bounce"),
                new BouncedRecipient("b@example.com", "soft", "4.4.1", "delayed", null, null),
                new BouncedRecipient("c@example.com", "hard", null, null, "mailbox gone", null)),
                "a delivery status notification");
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"bounced\","
                        + "\"channel\":\"jms\",\"attempt\":1,\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[{\"address\":\"a@example.com\","
                        + "\"reply\":\"550 5.1.1 no such user\",\"kind\":\"hard\",\"status\":\"5.1.1\",\"action\":\"failed\","
                        + "\"suppressed\":\"hard-bounce\"},{\"address\":\"b@example.com\",\"reply\":\"4.4.1\",\"kind\":\"soft\","
                        + "\"status\":\"4.4.1\",\"action\":\"delayed\"},{\"address\":\"c@example.com\",\"reply\":\"mailbox gone\","
                        + "\"kind\":\"hard\"}]},\"reportId\":\"r-7\",\"reason\":\"a delivery status notification\"}",
                bounced.toJson());
        assertEquals(OutcomeEvent.Status.COMPLAINED,
                events.report("complained", job, "r-8", List.of(), "a complaint").status());
    }

    @Test
    void theTopicMessageIsTheJsonAndNothingElse() {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        OutcomeEvent event = events.duplicate(withDuplicate());
        exchange.getMessage().setBody(event);
        exchange.getMessage().setHeader("JMSCorrelationID", "x");
        exchange.getMessage().setHeader("jobId", "job-1");
        events.asTopicMessage(exchange);
        assertEquals(event.toJson(), exchange.getMessage().getBody());
        assertTrue(exchange.getMessage().getHeaders().isEmpty());
    }

    private static QueuedJob withDuplicate() {
        QueuedJob job = job(Channel.JMS, null, 0);
        job.markDuplicate("queued");
        return job;
    }
}
