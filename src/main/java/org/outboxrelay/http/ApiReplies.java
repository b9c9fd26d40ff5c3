package org.outboxrelay.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.state.JobStateStore;

/**
 * The answers to submissions: {@code 202 {"id","status":"queued"}} with the job's status URL in
 * {@code Location} for a new job; {@code 200} with the status of the earlier job and {@code "duplicate": true}
 * for a job whose id was accepted before; for a batch, one result per job, in order.
 */
public class ApiReplies {

    /** Where the status of a job is read, relative to the server. */
    public static final String STATUS_PATH = "/api/v1/mails/";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobStateStore store;
    private final JobStatusView statusView;

    public ApiReplies(JobStateStore store, JobStatusView statusView) {
        this.store = store;
        this.statusView = statusView;
    }

    /** The answer to {@code POST /mails}. */
    public ApiReply submitted(@ExchangeProperty("job") QueuedJob job) {
        if (!job.isDuplicate()) {
            return new ApiReply(202, ApiReply.JSON, JobStatusView.write(batchItem(job)), statusLocation(job.getId()));
        }
        ObjectNode earlier = store.find(job.getId()).map(statusView::describe).orElseGet(() -> batchItem(job));
        earlier.put("duplicate", true);
        return ApiReply.json(200, JobStatusView.write(earlier));
    }

    /** The result of one job of a batch: {@code {"id","status"}}, plus {@code "duplicate": true}. */
    public ObjectNode batchItem(@ExchangeProperty("job") QueuedJob job) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", job.getId());
        n.put("status", job.isDuplicate() ? job.getDuplicateOf() : "queued");
        if (job.isDuplicate()) {
            n.put("duplicate", true);
        }
        return n;
    }

    /** The answer to {@code POST /mails/batch}: the results in the order of the jobs. */
    public ApiReply batch(@Body List<ObjectNode> results) {
        ArrayNode array = JSON.createArrayNode();
        results.forEach(array::add);
        return ApiReply.json(200, JobStatusView.write(array));
    }

    static String statusLocation(String id) {
        return STATUS_PATH + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
