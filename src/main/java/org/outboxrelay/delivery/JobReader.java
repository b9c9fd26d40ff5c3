package org.outboxrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.outboxrelay.job.Channel;
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
 */
public class JobReader {

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

    public QueuedJob read(Exchange exchange) {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        String contentType = in.getHeader(JobHeaders.CONTENT_TYPE, String.class);
        boolean raw;
        byte[] payload;
        if (body instanceof String s) {
            payload = s.getBytes(StandardCharsets.UTF_8);
            raw = JobHeaders.RFC822.equalsIgnoreCase(contentType);
        } else if (body == null) {
            payload = new byte[0];
            raw = JobHeaders.RFC822.equalsIgnoreCase(contentType);
        } else {
            payload = in.getBody(byte[].class);
            // a BytesMessage is a raw message unless it says it is JSON
            raw = !(contentType != null && contentType.toLowerCase().startsWith(JobHeaders.JSON));
        }

        String jmsId = in.getHeader("JMSMessageID", String.class);
        String jmsKey = jmsId == null ? exchange.getExchangeId() : jmsId.replaceFirst("^ID:", "");
        String id = in.getHeader(JobHeaders.JOB_ID, String.class);
        // a JSON job is parsed here, once: its id may be in it, and validate() goes on with the same tree
        JsonNode json = raw || payload.length > maxMessageBytes ? null : tree(payload);
        if (id == null && json != null) {
            id = idField(json);
        }
        if (id == null) {
            id = "jms-" + jmsKey;
        }
        Long submitted = in.getHeader(JobHeaders.SUBMITTED_AT, Long.class);
        if (submitted == null) {
            submitted = in.getHeader("JMSTimestamp", Long.class);
        }
        Integer attempts = in.getHeader(JobHeaders.ATTEMPTS, Integer.class);
        String admission = in.getHeader(JobHeaders.ADMISSION, String.class);
        QueuedJob job = new QueuedJob(id, Channel.of(in.getHeader(JobHeaders.CHANNEL, String.class)), raw, payload,
                attempts == null ? 0 : attempts,
                submitted == null || submitted <= 0 ? clock.instant() : Instant.ofEpochMilli(submitted),
                in.getHeader(JobHeaders.OUTBOX_FILE, String.class),
                admission != null ? admission : "jms:" + jmsKey);
        job.setJson(json);
        return job;
    }

    /** Parses and checks the job's content; an invalid job fails permanently. */
    public void validate(@ExchangeProperty("job") QueuedJob job) throws InvalidJobException {
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
        if (id.length() > 128) {
            throw new InvalidJobException("id", "is longer than 128 characters");
        }
        for (char c : id.toCharArray()) {
            if (c < 0x21 || c > 0x7e) {
                throw new InvalidJobException("id", "may only contain printable ASCII characters without spaces");
            }
        }
    }

    /** The JSON tree of a job's payload, or null when it is not JSON at all (validate() reports that). */
    private static JsonNode tree(byte[] payload) {
        try {
            return MailJobParser.readTree(payload);
        } catch (InvalidJobException e) {
            return null;
        }
    }

    private static String idField(JsonNode tree) {
        JsonNode id = tree.get("id");
        return id != null && id.isTextual() && !id.asText().isEmpty() ? id.asText() : null;
    }
}
