package org.outboxrelay.console;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Enumeration;
import java.util.Optional;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.ICoreMessage;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.http.AdminApi;
import org.outboxrelay.http.ApiException;
import org.outboxrelay.http.ApiReply;
import org.outboxrelay.job.JobHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the console finds the content of a job. The relay keeps a job's payload only while it is on a queue, so:
 * <ul>
 * <li>a dead letter: its payload on mail.dead, read through the admin API's bean ({@link AdminApi#deadLetter});</li>
 * <li>a job waiting on mail.jobs: browsed there (ready jobs over JMS on any broker; deferred ones, which the broker
 * holds back until their time, from the embedded broker's scheduled list);</li>
 * <li>a job sent under the {@code capture} provider: the captured message with its Message-ID;</li>
 * </ul>
 * anything else (a job sent to a real server) has its history and recipients, not its content: the relay does not
 * keep what it sent.
 */
public class MessageSource {

    private static final Logger LOG = LoggerFactory.getLogger(MessageSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the content came from, and the message. */
    public enum Origin { DEAD_LETTER, QUEUED, DEFERRED, CAPTURED }

    /** A job's content: the message (as sent or as it would be sent), where it was found, and the dead letter's facts. */
    public record Content(Origin origin, byte[] message, String payload, String problem, JsonNode deadLetter,
            String capturedName) {
    }

    private final AdminApi adminApi;
    private final ConnectionFactory connectionFactory;
    private final EmbeddedBroker embeddedBroker;
    private final CapturedMail captured;
    private final JobPreview preview;

    public MessageSource(AdminApi adminApi, ConnectionFactory connectionFactory, EmbeddedBroker embeddedBroker,
            CapturedMail captured, JobPreview preview) {
        this.adminApi = adminApi;
        this.connectionFactory = connectionFactory;
        this.embeddedBroker = embeddedBroker;
        this.captured = captured;
        this.preview = preview;
    }

    /**
     * The content of the job, if the relay still has it anywhere; {@code stored}: the job as the job store has it
     * (none: a job posted straight to mail.jobs that the delivery route has not taken yet).
     */
    public Optional<Content> find(String jobId, Optional<JobSearch.JobRow> stored) throws Exception {
        String channel = stored.map(JobSearch.JobRow::channel).orElse(null);
        // the Message-ID the job is sent with is made of its id and the time the store first admitted it
        Instant admittedAt = stored.map(JobSearch.JobRow::createdAt).orElse(null);
        Optional<Content> dead = deadLetter(jobId, admittedAt);
        if (dead.isPresent()) {
            return dead;
        }
        Optional<Content> queued = onJobsQueue(jobId, channel, admittedAt);
        if (queued.isPresent()) {
            return queued;
        }
        Optional<String> capturedName = captured.findByMessageId(stored.map(JobSearch.JobRow::messageId).orElse(null));
        if (capturedName.isPresent()) {
            Optional<byte[]> bytes = captured.read(capturedName.get());
            if (bytes.isPresent()) {
                return Optional.of(new Content(Origin.CAPTURED, bytes.get(), null, null, null, capturedName.get()));
            }
        }
        return Optional.empty();
    }

    /** The dead letter's facts (reason, failed at, ...) as the admin API gives them, and its content. */
    private Optional<Content> deadLetter(String jobId, Instant admittedAt) throws Exception {
        ApiReply reply;
        try {
            reply = adminApi.deadLetter(jobId);
        } catch (ApiException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
        JsonNode facts = JSON.readTree(reply.body());
        String payload = facts.path("content").asText(null);
        ((com.fasterxml.jackson.databind.node.ObjectNode) facts).remove("content");
        return Optional.of(content(Origin.DEAD_LETTER, jobId, facts.path("channel").asText(null),
                facts.path("contentType").asText(null), payload == null ? null
                        : payload.getBytes(StandardCharsets.UTF_8), facts, admittedAt));
    }

    private Optional<Content> onJobsQueue(String jobId, String channel, Instant admittedAt) throws Exception {
        try (Connection c = connectionFactory.createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            QueueBrowser browser = s.createBrowser(s.createQueue(EmbeddedBroker.JOBS),
                    JobHeaders.JOB_ID + " = '" + jobId.replace("'", "''") + "'");
            Enumeration<?> e = browser.getEnumeration();
            if (e.hasMoreElements()) {
                Message m = (Message) e.nextElement();
                byte[] payload;
                if (m instanceof TextMessage t) {
                    payload = t.getText() == null ? new byte[0] : t.getText().getBytes(StandardCharsets.UTF_8);
                } else if (m instanceof BytesMessage b) {
                    payload = new byte[(int) b.getBodyLength()];
                    b.readBytes(payload);
                } else {
                    payload = null;
                }
                return Optional.of(content(Origin.QUEUED, jobId, channel,
                        m.getStringProperty(JobHeaders.CONTENT_TYPE), payload, null, admittedAt));
            }
        }
        return deferredOnEmbeddedBroker(jobId, channel, admittedAt);
    }

    /** A deferred job: the embedded broker holds it back until its time, out of reach of a JMS browser. */
    private Optional<Content> deferredOnEmbeddedBroker(String jobId, String channel, Instant admittedAt) {
        if (embeddedBroker == null) {
            return Optional.empty();
        }
        Queue queue = embeddedBroker.server().locateQueue(SimpleString.of(EmbeddedBroker.JOBS));
        if (queue == null) {
            return Optional.empty();
        }
        for (MessageReference ref : queue.getScheduledMessages()) {
            org.apache.activemq.artemis.api.core.Message m = ref.getMessage();
            if (!jobId.equals(m.getStringProperty(JobHeaders.JOB_ID))) {
                continue;
            }
            String contentType = m.getStringProperty(JobHeaders.CONTENT_TYPE);
            try {
                ICoreMessage core = m.toCore();
                if (core.isLargeMessage()) {
                    return Optional.of(new Content(Origin.DEFERRED, null, null, "The job is deferred and too large to"
                            + " read before its next attempt.", null, null));
                }
                ActiveMQBuffer body = core.getReadOnlyBodyBuffer();
                byte[] payload;
                if (core.getType() == org.apache.activemq.artemis.api.core.Message.TEXT_TYPE) {
                    SimpleString text = body.readNullableSimpleString();
                    payload = text == null ? new byte[0] : text.toString().getBytes(StandardCharsets.UTF_8);
                } else {
                    payload = new byte[body.readableBytes()];
                    body.readBytes(payload);
                }
                return Optional.of(content(Origin.DEFERRED, jobId, channel, contentType, payload, null, admittedAt));
            } catch (RuntimeException e) {
                LOG.debug("Cannot read deferred job {} on {}", jobId, EmbeddedBroker.JOBS, e);
                return Optional.of(new Content(Origin.DEFERRED, null, null, "The deferred job cannot be read: "
                        + e.getMessage(), null, null));
            }
        }
        return Optional.empty();
    }

    private Content content(Origin origin, String jobId, String channel, String contentType, byte[] payload,
            JsonNode deadLetter, Instant admittedAt) {
        if (payload == null) {
            return new Content(origin, null, null, "The job's content is not readable text.", deadLetter, null);
        }
        String text = new String(payload, StandardCharsets.UTF_8);
        try {
            return new Content(origin, preview.build(jobId, channel, contentType, payload, admittedAt),
                    JobHeaders.RFC822.equalsIgnoreCase(contentType) ? null : text, null, deadLetter, null);
        } catch (IllegalArgumentException e) {
            return new Content(origin, null, text, e.getMessage(), deadLetter, null);
        }
    }
}
