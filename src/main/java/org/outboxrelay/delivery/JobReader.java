package org.outboxrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.MapMessage;
import jakarta.jms.ObjectMessage;
import jakarta.jms.StreamMessage;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.outboxrelay.job.Bookkeeping;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.FieldError;
import org.outboxrelay.job.InvalidJobException;
import org.outboxrelay.job.JobHeaders;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.MailJobParser;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.RawMessageParser;

/**
 * Reads a job from a message of {@code mail.jobs}: first who it is (id, channel, attempts, original payload),
 * which never fails, so that even an unreadable job can be dead-lettered with its identity; then, in
 * {@link #validate}, what it says.
 *
 * <p>Anything a client of the broker can put on the queue is read as input, never trusted: the kind of JMS
 * message (only text and bytes carry a job; an ObjectMessage is never deserialized), its size (taken from the
 * broker's message before the body is read, so a message larger than relay.limits.max-message-bytes is refused
 * without being copied into memory), and every property, the relay's own bookkeeping included
 * ({@link Bookkeeping}). What is wrong is kept on the job and makes {@link #validate} fail permanently, with
 * the reason, at the first attempt; an id that is not usable is replaced by one of the relay's, so the job
 * store and the dead-letter tools can always hold the failed job.
 */
public class JobReader {

    private static final String TAKES = "; mail.jobs takes a TextMessage (a JSON job, or a complete message with the"
            + " string property contentType=message/rfc822) or a BytesMessage (a complete message)";

    private final MailJobParser jsonParser;
    private final RawMessageParser rawParser;
    private final long maxMessageBytes;
    private final Clock clock;

    public JobReader(MailJobParser jsonParser, RawMessageParser rawParser, long maxMessageBytes, Clock clock) {
        this.jsonParser = jsonParser;
        this.rawParser = rawParser;
        this.maxMessageBytes = maxMessageBytes;
        this.clock = clock;
    }

    /** The body as read: its bytes (null when not read), its size, and whether it is a complete message. */
    private record Body(byte[] payload, long size, boolean raw) {
    }

    public QueuedJob read(Exchange exchange) {
        Message in = exchange.getMessage();
        List<FieldError> problems = new ArrayList<>();
        String contentType = Bookkeeping.contentType(in.getHeader(JobHeaders.CONTENT_TYPE), problems);
        boolean rfc822 = JobHeaders.RFC822.equalsIgnoreCase(contentType == null ? null : contentType.strip());
        Body body = body(in.getBody(), contentType, rfc822, problems);

        String jmsId = in.getHeader("JMSMessageID", String.class);
        String jmsKey = jmsId == null ? exchange.getExchangeId() : jmsId.replaceFirst("^ID:", "");
        Object idProperty = in.getHeader(JobHeaders.JOB_ID);
        String id = Bookkeeping.jobId(idProperty, problems);
        // a JSON job is parsed here, once: its id may be in it, and validate() goes on with the same tree
        JsonNode json = body.raw() || body.payload() == null ? null : MailJobParser.treeOrNull(body.payload());
        if (idProperty == null && json != null) {
            id = idField(json, problems);
        }
        if (id == null) {
            id = "jms-" + jmsKey;
        }
        Channel channel = Bookkeeping.channel(in.getHeader(JobHeaders.CHANNEL), problems);
        int attempts = Bookkeeping.attempts(in.getHeader(JobHeaders.ATTEMPTS), problems);
        Instant submitted = Bookkeeping.submittedAt(in.getHeader(JobHeaders.SUBMITTED_AT), clock, problems);
        if (submitted == null) {
            Object timestamp = in.getHeader("JMSTimestamp");
            submitted = timestamp instanceof Long at && at > 0 && at <= clock.millis() ? Instant.ofEpochMilli(at)
                    : clock.instant();
        }
        String outboxFile = Bookkeeping.outboxFile(in.getHeader(JobHeaders.OUTBOX_FILE), channel, problems);
        String admission = Bookkeeping.admission(in.getHeader(JobHeaders.ADMISSION), problems);
        byte[] payload = body.payload() == null ? new byte[0] : body.payload();
        QueuedJob job = new QueuedJob(id, problems.isEmpty() ? channel : Channel.JMS, body.raw(), payload,
                body.size(), attempts, submitted, problems.isEmpty() ? outboxFile : null,
                admission != null && problems.isEmpty() ? admission : "jms:" + jmsKey);
        job.setProblems(problems);
        job.setDeliveryId(jmsKey);
        job.setJson(json);
        return job;
    }

    /**
     * The job's bytes from the message body: a JMS message as the delivery route gets it (mapJmsMessage off),
     * or text or bytes (route tests). Sizes are checked before a body is copied.
     */
    private Body body(Object body, String contentType, boolean rfc822, List<FieldError> problems) {
        boolean bytesAreJson = contentType != null && contentType.strip().toLowerCase(Locale.ROOT)
                .startsWith(JobHeaders.JSON);
        try {
            if (body instanceof jakarta.jms.Message jms) {
                return jmsBody(jms, bytesAreJson, rfc822, problems);
            }
            if (body == null) {
                return new Body(new byte[0], 0, rfc822);
            }
            if (body instanceof String s) {
                return limited(s.getBytes(StandardCharsets.UTF_8), rfc822, problems);
            }
            if (body instanceof byte[] b) {
                return limited(b, !bytesAreJson, problems);
            }
            problems.add(new FieldError("(job)", "is a " + body.getClass().getSimpleName() + TAKES));
            return new Body(null, 0, false);
        } catch (JMSException | RuntimeException e) {
            problems.add(new FieldError("(job)", "cannot be read: " + e.getMessage()));
            return new Body(null, 0, false);
        }
    }

    private Body jmsBody(jakarta.jms.Message m, boolean bytesAreJson, boolean rfc822, List<FieldError> problems)
            throws JMSException {
        if (m instanceof TextMessage t) {
            // the broker keeps text as two bytes per character; a text with more characters than the limit
            // allows bytes is too large whatever its UTF-8 form, and is not copied out of the message
            long stored = storedBodySize(m);
            if (stored > 2 * maxMessageBytes + 16) {
                return tooLarge("a text of about " + (stored / 2) + " characters", rfc822, problems);
            }
            String text = t.getText();
            if (text == null) {
                return new Body(new byte[0], 0, rfc822);
            }
            if (text.length() > maxMessageBytes) {
                return tooLarge("a text of " + text.length() + " characters", rfc822, problems);
            }
            return limited(text.getBytes(StandardCharsets.UTF_8), rfc822, problems);
        }
        if (m instanceof BytesMessage b) {
            boolean raw = !bytesAreJson;
            long length = b.getBodyLength();
            if (length > maxMessageBytes) {
                return tooLarge(length + " bytes", raw, problems);
            }
            byte[] bytes = new byte[(int) length];
            // what was read, should it be less than the length said
            int read = Math.max(0, b.readBytes(bytes));
            if (read < bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, read);
            }
            return new Body(bytes, bytes.length, raw);
        }
        String kind = m instanceof MapMessage ? "a JMS MapMessage" : m instanceof StreamMessage ? "a JMS StreamMessage"
                : m instanceof ObjectMessage ? "a JMS ObjectMessage" : "a JMS Message without a body";
        problems.add(new FieldError("(job)", "is " + kind + TAKES));
        return new Body(null, 0, false);
    }

    /** The body size as the broker holds it (large messages: without reading them), or -1 when not known. */
    private static long storedBodySize(jakarta.jms.Message m) {
        try {
            return m instanceof ActiveMQMessage a && a.getCoreMessage() != null ? a.getCoreMessage().getBodySize() : -1;
        } catch (RuntimeException e) {
            return -1; // the text is then measured as it is read
        }
    }

    private Body limited(byte[] bytes, boolean raw, List<FieldError> problems) {
        if (bytes.length > maxMessageBytes) {
            return tooLarge(bytes.length + " bytes", raw, problems);
        }
        return new Body(bytes, bytes.length, raw);
    }

    private Body tooLarge(String what, boolean raw, List<FieldError> problems) {
        problems.add(new FieldError("(job)", "is " + what + ", more than relay.limits.max-message-bytes ("
                + maxMessageBytes + ") allows; it was not read"));
        return new Body(null, 0, raw);
    }

    /** Parses and checks the job's content; an invalid job fails permanently. */
    public void validate(@ExchangeProperty("job") QueuedJob job) throws InvalidJobException {
        if (!job.getProblems().isEmpty()) {
            throw new InvalidJobException(job.getProblems());
        }
        checkId(job.getId());
        if (job.getSize() == 0) {
            throw new InvalidJobException("(job)", "is empty");
        }
        if (job.getSize() > maxMessageBytes || job.getPayload() == null) {
            throw new InvalidJobException("(job)", "is " + job.getSize()
                    + " bytes, more than relay.limits.max-message-bytes (" + maxMessageBytes + ")");
        }
        if (job.isRaw()) {
            job.setRawMessage(rawParser.parse(job.getPayload()));
        } else {
            // the tree read() parsed; when it could not, parsing again reports why
            MailJob mail = job.getJson() != null ? jsonParser.parse(job.getJson()) : jsonParser.parse(job.getPayload());
            if (mail.id() != null && !mail.id().equals(job.getId())) {
                throw new InvalidJobException("id", "\"" + mail.id() + "\" differs from the jobId property \""
                        + job.getId() + "\"");
            }
            job.setMailJob(mail);
        }
    }

    public static void checkId(String id) throws InvalidJobException {
        String problem = Bookkeeping.idProblem(id);
        if (problem != null) {
            throw new InvalidJobException("id", problem);
        }
    }

    /** The JSON job's own "id", when it has a usable one; a bad one is a problem of the job. */
    private static String idField(JsonNode tree, List<FieldError> problems) {
        String id = MailJobParser.ownId(tree);
        if (id == null) {
            return null; // the schema says what is wrong with it
        }
        String problem = Bookkeeping.idProblem(id);
        if (problem != null) {
            problems.add(new FieldError("id", problem));
            return null;
        }
        return id;
    }
}
