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
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.QueuedJob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events of mail.events, field by field and in order, as the contract shows them. */
class DeliveryEventsTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:15:30.123Z");
    private final DeliveryEvents events = new DeliveryEvents(Clock.fixed(NOW, ZoneOffset.UTC));

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
                        + "\"attempt\":1,\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":\"250 2.0.0 Ok\","
                        + "\"recipients\":{\"accepted\":1,\"refused\":[{\"address\":\"gone@example.com\","
                        + "\"reply\":\"550 5.1.1 \\\"unknown\\\"\"},{\"address\":\"busy@example.com\","
                        + "\"reply\":\"451 4.2.0 busy\",\"retried\":true}]}}",
                events.sent(job(Channel.JMS, null, 0), result).toJson());
    }

    @Test
    void deferredSaysWhyAndWhenNext() {
        DeliveryFailure failure = new DeliveryFailure(FailureKind.TRANSIENT, 421, "4.3.0", "421 4.3.0 try later",
                "the server said to try later", null, List.of(new SendResult.Refusal("x@example.com", 450, "450 no")));
        RetryPolicy.Decision retry = new RetryPolicy.Decision(false, NOW.plusSeconds(30), Duration.ofSeconds(30));
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"deferred\","
                        + "\"channel\":\"outbox\",\"attempt\":2,\"file\":\"a.json\",\"at\":\"2026-11-30T10:15:30.123Z\","
                        + "\"smtpReply\":\"421 4.3.0 try later\",\"recipients\":{\"accepted\":0,\"refused\":"
                        + "[{\"address\":\"x@example.com\",\"reply\":\"450 no\",\"retried\":true}]},"
                        + "\"reason\":\"the server said to try later\",\"nextAttemptAt\":\"2026-11-30T10:16:00.123Z\"}",
                events.deferred(job(Channel.OUTBOX, "a.json", 1), failure, retry).toJson());
    }

    @Test
    void failedAndDuplicateCarryAReasonEvenWithoutReply() {
        DeliveryFailure failure = new DeliveryFailure(FailureKind.PERMANENT, 0, null, null,
                "invalid job: to: someone@example.com is not an address");
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"failed\","
                        + "\"channel\":\"http\",\"attempt\":1,\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[]},"
                        + "\"reason\":\"invalid job: to: <address> is not an address\"}",
                events.failed(job(Channel.HTTP, null, 0), failure).toJson());
        QueuedJob duplicate = job(Channel.JMS, null, 0);
        duplicate.markDuplicate("sent");
        assertEquals("{\"jobId\":\"job-1\",\"messageId\":\"<m1.relay@example.com>\",\"status\":\"duplicate\","
                        + "\"channel\":\"jms\",\"attempt\":1,\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[]},\"reason\":\"a job with this id is already sent\"}",
                events.duplicate(duplicate).toJson());
    }

    @Test
    void aRejectedOutboxFileIsNamedByItsFile() {
        DeliveryFailure failure = new DeliveryFailure(FailureKind.PERMANENT, 0, null, null, "invalid job: (job) is empty");
        assertEquals("{\"jobId\":null,\"messageId\":null,\"status\":\"failed\",\"channel\":\"outbox\",\"attempt\":0,"
                        + "\"file\":\"broken.json\",\"at\":\"2026-11-30T10:15:30.123Z\",\"smtpReply\":null,"
                        + "\"recipients\":{\"accepted\":0,\"refused\":[]},\"reason\":\"invalid job: (job) is empty\"}",
                events.rejected(null, failure, "broken.json").toJson());
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
