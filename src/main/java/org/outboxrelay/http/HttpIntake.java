package org.outboxrelay.http;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.outboxrelay.delivery.JobReader;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.FieldError;
import org.outboxrelay.job.InvalidJobException;
import org.outboxrelay.job.JobHeaders;
import org.outboxrelay.job.MailJobParser;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.TimeOrderedIds;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobSeen;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door of the HTTP API: turns a request into a {@link QueuedJob} (channel {@code http}) and guards
 * idempotency.
 *
 * <p>Order of the checks, for "nothing lost, nothing sent twice": a job whose id is already known (and did not
 * fail) is answered at once as a duplicate; a new one is first put on {@code mail.jobs} and only then admitted
 * in the job store ({@link #admit}). Admitting first would leave a job that could not be queued (broker down,
 * crash) recorded as queued, and every retry by the client would be answered "duplicate" while nothing is ever
 * sent. Queued first, a crash before the admission leaves a job on the queue that the delivery route admits on
 * its own; a second copy (a concurrent request with the same id) carries another admission token, and the
 * delivery route sends only the admitted copy.
 */
public class HttpIntake {

    /** Most jobs in one batch. */
    public static final int MAX_BATCH = 500;
    /** Request header that gives a job its id (for raw messages, or JSON jobs without an "id"). */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final Logger LOG = LoggerFactory.getLogger("org.outboxrelay.jobs");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobAdmission admission;
    private final JobStateStore store;
    private final Clock clock;
    private final RelayMetrics metrics;
    private final TimeOrderedIds newIds;

    public HttpIntake(JobAdmission admission, JobStateStore store, Clock clock, RelayMetrics metrics) {
        this.admission = admission;
        this.store = store;
        this.clock = clock;
        this.metrics = metrics;
        this.newIds = new TimeOrderedIds(clock);
    }

    /** {@code POST /mails}: a JSON job ({@code application/json}) or a complete message ({@code message/rfc822}). */
    public QueuedJob readJob(Exchange exchange) throws ApiException, InvalidJobException {
        Message in = exchange.getMessage();
        String type = mediaType(in.getHeader(Exchange.CONTENT_TYPE, String.class));
        byte[] body = bytes(in);
        String key = idempotencyKey(in);
        if (JobHeaders.JSON.equals(type)) {
            JsonNode tree = MailJobParser.treeOrNull(body);
            String idField = MailJobParser.ownId(tree);
            if (key != null && idField != null && !key.equals(idField)) {
                throw new InvalidJobException("id", "\"" + idField + "\" differs from the " + IDEMPOTENCY_KEY
                        + " header \"" + key + "\"");
            }
            return withTree(newJob(idField != null ? idField : key, false, body), tree);
        }
        if (JobHeaders.RFC822.equals(type)) {
            return newJob(key, true, body);
        }
        throw unsupported(type, "application/json (a mail job) or message/rfc822 (a complete message)");
    }

    /** {@code POST /mails/batch}: a JSON array of at most {@value #MAX_BATCH} jobs; the JSON of each. */
    public List<JsonNode> readBatch(Exchange exchange) throws ApiException, InvalidJobException {
        Message in = exchange.getMessage();
        String type = mediaType(in.getHeader(Exchange.CONTENT_TYPE, String.class));
        if (!JobHeaders.JSON.equals(type)) {
            throw unsupported(type, "application/json (an array of mail jobs)");
        }
        JsonNode tree;
        try {
            tree = MailJobParser.readTree(bytes(in));
        } catch (InvalidJobException e) {
            throw new InvalidJobException(e.errors().stream()
                    .map(f -> new FieldError("(batch)", f.message())).toList());
        }
        if (!tree.isArray()) {
            throw new InvalidJobException("(batch)", "must be a JSON array of jobs, found "
                    + tree.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        if (tree.isEmpty()) {
            throw new InvalidJobException("(batch)", "is empty: a batch holds 1 to " + MAX_BATCH + " jobs");
        }
        if (tree.size() > MAX_BATCH) {
            throw new ApiException(413, "A batch holds at most " + MAX_BATCH + " jobs; this one has " + tree.size()
                    + ". Split it into smaller batches.");
        }
        List<JsonNode> items = new ArrayList<>(tree.size());
        tree.forEach(items::add);
        return items;
    }

    /** One job of a batch, as {@link #readBatch} parsed it; its payload is its JSON text. */
    public QueuedJob readBatchItem(@Body JsonNode item) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(item);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return withTree(newJob(MailJobParser.ownId(item), false, body), item);
    }

    /** The tree the door parsed goes with the job: validation goes on with it, so a job's JSON is parsed once. */
    private static QueuedJob withTree(QueuedJob job, JsonNode tree) {
        job.setJson(tree);
        return job;
    }

    /**
     * Marks the job a duplicate when a job with its id was accepted before and did not fail. An id the relay has
     * just made is new by construction (74 random bits and the time): it is not looked up.
     */
    public void checkSeen(@ExchangeProperty("job") QueuedJob job) {
        if (job.hasNewId()) {
            return;
        }
        Optional<JobSeen> earlier = store.seen(job.getId());
        if (earlier.isPresent() && earlier.get().status() != JobStatus.FAILED) {
            job.markDuplicate(earlier.get().status().id());
            LOG.info("Duplicate {}: a job with this id is already {}; not queued again", job,
                    earlier.get().status().id());
        }
    }

    /** After the job is on mail.jobs: records it as queued, unless a job with its id came first. */
    public void admit(@ExchangeProperty("job") QueuedJob job) {
        JobAdmission.Decision d = admission.admitQueued(job);
        if (!d.admitted()) {
            job.markDuplicate(d.existing().id());
            LOG.info("Duplicate {}: a job with this id was accepted at the same time and is {};"
                    + " this copy will not be sent", job, d.existing().id());
        } else if (d.fresh() && metrics != null) {
            metrics.received(job.getChannel().id());
        }
    }

    private QueuedJob newJob(String id, boolean raw, byte[] body) {
        if (id != null) {
            return new QueuedJob(id, Channel.HTTP, raw, body, 0, clock.instant(), null, "http:" + UUID.randomUUID());
        }
        // a new id sorts after the ones made before it: the job store appends it instead of inserting at random
        QueuedJob job = new QueuedJob("http-" + newIds.next(), Channel.HTTP, raw, body, 0, clock.instant(), null,
                "http:" + UUID.randomUUID());
        job.markNewId();
        return job;
    }

    private static String idempotencyKey(Message in) throws InvalidJobException {
        String key = in.getHeader(IDEMPOTENCY_KEY, String.class);
        if (key == null || key.isBlank()) {
            return null;
        }
        key = key.trim();
        try {
            JobReader.checkId(key);
        } catch (InvalidJobException e) {
            throw new InvalidJobException(IDEMPOTENCY_KEY, e.errors().get(0).message());
        }
        return key;
    }

    private static byte[] bytes(Message in) {
        byte[] body = in.getBody(byte[].class);
        return body == null ? new byte[0] : body;
    }

    /** The media type without parameters, lower case; null when there is none. */
    static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static ApiException unsupported(String type, String expected) {
        return new ApiException(415, (type == null ? "The request has no Content-Type" : "Content-Type " + type
                + " is not supported") + "; send " + expected + ".");
    }
}
