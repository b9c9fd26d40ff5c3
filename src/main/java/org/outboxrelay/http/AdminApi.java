package org.outboxrelay.http;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Header;
import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.observe.QueueTools.DeadLetter;
import org.outboxrelay.observe.QueueTools.QueueNames;
import org.outboxrelay.observe.QueueTools.QueueStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code queue} command's actions over HTTP ({@code /api/v1/admin/...}, routes/http-admin.camel.yaml): queue
 * counts and ages, and the dead letters listed, shown, sent again or deleted. The work is {@link QueueTools}'s,
 * on the relay's own broker connection, so the API and the command cannot drift apart; this class only turns
 * requests into calls and results into JSON. Retried jobs keep their id (and admission), so idempotency still
 * applies: a job that was sent meanwhile under the same id is not sent again.
 *
 * <p>Acting on every dead letter at once needs {@code ?all=true}, as the command needs {@code --all}: a bare
 * {@code DELETE /dead} from a script with an empty variable must not wipe the queue.
 */
public class AdminApi {

    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final QueueTools tools;

    public AdminApi(QueueTools tools) {
        this.tools = tools;
    }

    /** {@code GET /admin/queues}: mail.jobs and mail.dead, with counts by age like qshape's. */
    public ApiReply queues() throws ApiException {
        ArrayNode out = JSON.createArrayNode();
        for (String queue : List.of(QueueNames.JOBS, QueueNames.DEAD)) {
            QueueStatus s = broker(() -> tools.status(queue));
            ObjectNode n = out.addObject();
            n.put("queue", s.queue());
            n.put("total", s.total());
            n.put("deferred", s.deferred());
            n.put("oldestSeconds", s.oldest().toSeconds());
            ObjectNode byAge = n.putObject("byAge");
            for (int i = 0; i < QueueTools.AGE_LABELS.size(); i++) {
                byAge.put(QueueTools.AGE_LABELS.get(i), s.byAge().get(i));
            }
        }
        return ApiReply.json(200, JobStatusView.write(out));
    }

    /** {@code GET /admin/dead}: every dead letter, without its content. */
    public ApiReply deadLetters() throws ApiException {
        ArrayNode out = JSON.createArrayNode();
        for (DeadLetter d : broker(tools::deadLetters)) {
            out.add(describe(d));
        }
        return ApiReply.json(200, JobStatusView.write(out));
    }

    /** {@code GET /admin/dead/{id}}: one dead letter with its content (the job as it was queued). */
    public ApiReply deadLetter(@Header("id") Object idHeader) throws ApiException {
        String id = JobStatusView.parameter(idHeader);
        Optional<DeadLetter> found = broker(() -> tools.deadLetter(id));
        DeadLetter d = found.orElseThrow(() -> noDeadLetter(id));
        ObjectNode n = describe(d);
        putIfSet(n, "content", d.payload());
        return ApiReply.json(200, JobStatusView.write(n));
    }

    /**
     * {@code POST /admin/dead/{id}/retry}: back on mail.jobs under its id; 409 for a dead letter that can never be
     * a job (it stays; purge it).
     */
    public ApiReply retry(@Header("id") Object idHeader) throws ApiException {
        String id = JobStatusView.parameter(idHeader);
        QueueTools.RetryResult r = broker(() -> tools.retryDead(id));
        if (r.retried() == 0 && !r.skipped().isEmpty()) {
            DeadLetter d = r.skipped().get(0);
            throw new ApiException(409, "Dead letter \"" + id + "\" cannot be sent again: "
                    + String.join("; ", d.problems()) + ".");
        }
        if (r.retried() == 0) {
            throw noDeadLetter(id);
        }
        LOG.info("Admin API: dead letter {} queued again on {}", id, QueueNames.JOBS);
        return retried(r);
    }

    /**
     * {@code POST /admin/dead/retry?all=true}: every dead letter that can be a job back on mail.jobs; the others
     * stay, listed under "skipped" with why.
     */
    public ApiReply retryAll(@Header("all") Object all) throws ApiException {
        requireAll(all, "POST /api/v1/admin/dead/retry?all=true sends every dead letter again;"
                + " POST /api/v1/admin/dead/{id}/retry sends one");
        QueueTools.RetryResult r = broker(() -> tools.retryDead(null));
        LOG.info("Admin API: {} dead letter(s) queued again on {}{}", r.retried(), QueueNames.JOBS,
                r.skipped().isEmpty() ? "" : "; " + r.skipped().size() + " cannot be sent and stay");
        return retried(r);
    }

    private static ApiReply retried(QueueTools.RetryResult r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("retried", r.retried());
        if (!r.skipped().isEmpty()) {
            ArrayNode skipped = body.putArray("skipped");
            for (DeadLetter d : r.skipped()) {
                ObjectNode n = skipped.addObject();
                n.put("id", d.id());
                ArrayNode problems = n.putArray("problems");
                d.problems().forEach(problems::add);
            }
        }
        return ApiReply.json(200, JobStatusView.write(body));
    }

    /** {@code DELETE /admin/dead/{id}}: the dead letter is gone for good. */
    public ApiReply purge(@Header("id") Object idHeader) throws ApiException {
        String id = JobStatusView.parameter(idHeader);
        int n = broker(() -> tools.purge(id));
        if (n == 0) {
            throw noDeadLetter(id);
        }
        LOG.info("Admin API: dead letter {} deleted", id);
        return count("purged", n);
    }

    /** {@code DELETE /admin/dead?all=true}: every dead letter deleted. */
    public ApiReply purgeAll(@Header("all") Object all) throws ApiException {
        requireAll(all, "DELETE /api/v1/admin/dead?all=true deletes every dead letter;"
                + " DELETE /api/v1/admin/dead/{id} deletes one");
        int n = broker(() -> tools.purge(null));
        LOG.info("Admin API: {} dead letter(s) deleted", n);
        return count("purged", n);
    }

    private static ObjectNode describe(DeadLetter d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", d.id());
        n.put("jmsMessageId", d.jmsMessageId());
        putIfSet(n, "channel", d.channel());
        n.put("attempts", d.attempts());
        putIfSet(n, "failedAt", d.failedAt());
        putIfSet(n, "reason", d.reason());
        putIfSet(n, "smtpReply", d.smtpReply());
        putIfSet(n, "outboxFile", d.outboxFile());
        n.put("contentType", d.contentType() != null ? d.contentType() : "application/json");
        if (d.size() >= 0) {
            n.put("size", d.size());
        }
        if (d.bad()) {
            // a letter the relay did not write itself, or with a client's bad values: what is wrong with it
            ArrayNode problems = n.putArray("problems");
            d.problems().forEach(problems::add);
        }
        return n;
    }

    private static ApiReply count(String field, int n) {
        ObjectNode body = JSON.createObjectNode();
        body.put(field, n);
        return ApiReply.json(200, JobStatusView.write(body));
    }

    private static void requireAll(Object all, String usage) throws ApiException {
        if (!JobStatusView.parameter(all).trim().toLowerCase(Locale.ROOT).equals("true")) {
            throw new ApiException(400, "This acts on every dead letter and needs the query parameter all=true: "
                    + usage + ".");
        }
    }

    private static ApiException noDeadLetter(String id) {
        return new ApiException(404, "No dead letter with id \"" + id + "\" is on " + QueueNames.DEAD
                + " (a job id, or the JMS message id of a job without one).");
    }

    private static void putIfSet(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }

    /** A broker call; when the broker cannot be reached the answer is a 503 that says so (the cause is logged). */
    private static <T> T broker(BrokerCall<T> call) throws ApiException {
        try {
            return call.run();
        } catch (Exception e) {
            LOG.error("Admin API: the broker call failed", e);
            throw new ApiException(503, "The relay's broker cannot be reached or refused the request. Try again later;"
                    + " the relay's log has the details.");
        }
    }

    @FunctionalInterface
    private interface BrokerCall<T> {
        T run() throws Exception;
    }
}
