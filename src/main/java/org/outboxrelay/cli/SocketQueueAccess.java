package org.outboxrelay.cli;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.observe.QueueTools.DeadLetter;
import org.outboxrelay.observe.QueueTools.QueueStatus;

/**
 * The {@code queue} command through the running relay's admin socket: the admin API's calls
 * ({@code /api/v1/admin/...}), their JSON read back into {@link QueueTools}' records, so the command prints the same
 * whichever way it came.
 */
final class SocketQueueAccess implements QueueAccess {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "/api/v1/admin";

    private final AdminSocketClient client;

    SocketQueueAccess(AdminSocketClient client) {
        this.client = client;
    }

    @Override
    public QueueStatus status(String queue) throws Exception {
        for (JsonNode q : json(call("GET", ADMIN + "/queues"))) {
            if (queue.equals(q.path("queue").asText())) {
                List<Long> byAge = new ArrayList<>();
                for (String label : QueueTools.AGE_LABELS) {
                    byAge.add(q.path("byAge").path(label).asLong());
                }
                return new QueueStatus(queue, q.path("total").asLong(), q.path("deferred").asLong(),
                        Duration.ofSeconds(q.path("oldestSeconds").asLong()), byAge);
            }
        }
        throw new IOException("the relay did not report " + queue);
    }

    @Override
    public List<DeadLetter> deadLetters() throws Exception {
        List<DeadLetter> out = new ArrayList<>();
        for (JsonNode d : json(call("GET", ADMIN + "/dead"))) {
            out.add(deadLetter(d));
        }
        return out;
    }

    @Override
    public Optional<DeadLetter> deadLetter(String id) throws Exception {
        AdminSocketClient.Response r = client.call("GET", ADMIN + "/dead/" + segment(id));
        if (r.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(deadLetter(json(checked(r))));
    }

    @Override
    public QueueTools.RetryResult retryDead(String id) throws Exception {
        AdminSocketClient.Response r = id == null ? client.call("POST", ADMIN + "/dead/retry?all=true")
                : client.call("POST", ADMIN + "/dead/" + segment(id) + "/retry");
        if (r.status() == 404) {
            return new QueueTools.RetryResult(0, List.of());
        }
        if (r.status() == 409) {
            // one dead letter that can never be a job: it stays, and the answer says why
            return new QueueTools.RetryResult(0, List.of(new DeadLetter(id, null, null, 0, null, null, null, null,
                    null, null, List.of(detail(r)), -1)));
        }
        JsonNode body = json(checked(r));
        List<DeadLetter> skipped = new ArrayList<>();
        for (JsonNode d : body.path("skipped")) {
            skipped.add(deadLetter(d));
        }
        return new QueueTools.RetryResult(body.path("retried").asInt(), skipped);
    }

    @Override
    public int purge(String id) throws Exception {
        AdminSocketClient.Response r = id == null ? client.call("DELETE", ADMIN + "/dead?all=true")
                : client.call("DELETE", ADMIN + "/dead/" + segment(id));
        return r.status() == 404 ? 0 : json(checked(r)).path("purged").asInt();
    }

    @Override
    public String describe() {
        return "the relay's socket " + client.socket();
    }

    private AdminSocketClient.Response call(String method, String path) throws IOException {
        return checked(client.call(method, path));
    }

    /** A non-2xx answer is an error with the relay's own explanation. */
    private static AdminSocketClient.Response checked(AdminSocketClient.Response r) throws IOException {
        if (!r.ok()) {
            throw new IOException(r.status() + ": " + detail(r));
        }
        return r;
    }

    private static String detail(AdminSocketClient.Response r) {
        try {
            return JSON.readTree(r.body()).path("detail").asText(r.body());
        } catch (IOException e) {
            return r.body(); // not JSON: the body as it is
        }
    }

    private static JsonNode json(AdminSocketClient.Response r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static DeadLetter deadLetter(JsonNode d) {
        List<String> problems = new ArrayList<>();
        d.path("problems").forEach(p -> problems.add(p.asText()));
        return new DeadLetter(d.path("id").asText(), d.path("jmsMessageId").asText(null),
                d.path("channel").asText(null), d.path("attempts").asInt(), d.path("failedAt").asText(null),
                d.path("reason").asText(null), d.path("smtpReply").asText(null), d.path("outboxFile").asText(null),
                d.path("contentType").asText(null), d.path("content").asText(null), problems,
                d.path("size").asLong(-1));
    }

    private static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
