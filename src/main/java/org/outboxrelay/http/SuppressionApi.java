package org.outboxrelay.http;

import java.io.StringReader;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.outboxrelay.state.Suppression;
import org.outboxrelay.state.SuppressionReason;
import org.outboxrelay.state.SuppressionStore;
import org.outboxrelay.suppression.SuppressionCsv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suppression list over HTTP ({@code /api/v1/admin/suppression}, routes/http-suppression.camel.yaml), for the
 * account the relay sends as; the {@code suppression} command calls it. Admin token only (the gate checks).
 * <ul>
 * <li>{@code GET ?list=&address=&offset=&limit=}: entries as JSON, oldest first;</li>
 * <li>{@code POST} {@code {"address","list","reason","detail"}}: adds one (201, or 200 when it was there);</li>
 * <li>{@code DELETE /{address}?list=}: removes it from that list, or from every list without {@code list};</li>
 * <li>{@code GET /export}: all as CSV; {@code POST /import} (text/csv): adds each line, answers what it did.</li>
 * </ul>
 */
public class SuppressionApi {

    private static final Logger LOG = LoggerFactory.getLogger(SuppressionApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LIMIT = 10_000;

    private final SuppressionStore store;
    private final String account;
    private final Clock clock;

    public SuppressionApi(SuppressionStore store, String account, Clock clock) {
        this.store = store;
        this.account = account;
        this.clock = clock;
    }

    public ApiReply list(@Header("list") Object list, @Header("address") Object address,
            @Header("offset") Object offset, @Header("limit") Object limit) throws ApiException {
        List<Suppression> entries = store.list(account, optional(list), optional(address),
                number(offset, "offset", 0, Integer.MAX_VALUE, 0), number(limit, "limit", 1, MAX_LIMIT, 1000));
        ArrayNode out = JSON.createArrayNode();
        entries.forEach(s -> out.add(describe(s)));
        return ApiReply.json(200, JobStatusView.write(out));
    }

    public ApiReply add(@Body String body) throws ApiException {
        JsonNode n;
        try {
            n = JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw new ApiException(400, "The body must be JSON: {\"address\": \"...\", \"list\": \"optional\","
                    + " \"reason\": \"optional\", \"detail\": \"optional\"}");
        }
        if (n == null || !n.path("address").isTextual() || !n.get("address").asText().matches("[^@\\s,;<>]+@[^@\\s,;<>]+")) {
            throw new ApiException(400, "\"address\" must be an e-mail address such as someone@example.com");
        }
        String list = n.path("list").isTextual() && !n.get("list").asText().isBlank() ? n.get("list").asText() : null;
        if (list != null && !list.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new ApiException(400, "\"list\" must be a list name (letters, digits, '.', '_' and '-')");
        }
        SuppressionReason reason;
        try {
            reason = n.path("reason").isTextual() ? SuppressionReason.of(n.get("reason").asText())
                    : SuppressionReason.MANUAL;
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "\"reason\": " + e.getMessage());
        }
        Suppression s = new Suppression(account, list, n.get("address").asText(), reason,
                n.path("detail").isTextual() ? n.get("detail").asText() : null, null, clock.instant());
        boolean added = store.add(s);
        LOG.info("Admin API: {} suppression list entry ({}{})", added ? "added a" : "kept the existing",
                reason.id(), list == null ? "" : ", list " + list);
        ObjectNode out = describe(s);
        out.put("added", added);
        return ApiReply.json(added ? 201 : 200, JobStatusView.write(out));
    }

    public ApiReply remove(@Header("address") Object address, @Header("list") Object list) throws ApiException {
        String a = JobStatusView.parameter(address);
        int n = store.remove(account, a, optional(list));
        if (n == 0) {
            throw new ApiException(404, "\"" + a + "\" is not on the suppression list"
                    + (optional(list) == null ? "" : " of " + optional(list)) + ".");
        }
        LOG.info("Admin API: {} suppression list entr{} removed", n, n == 1 ? "y" : "ies");
        ObjectNode out = JSON.createObjectNode();
        out.put("removed", n);
        return ApiReply.json(200, JobStatusView.write(out));
    }

    public ApiReply export(@Header("list") Object list) {
        List<Suppression> all = new ArrayList<>();
        for (int offset = 0;; offset += MAX_LIMIT) {
            List<Suppression> page = store.list(account, optional(list), null, offset, MAX_LIMIT);
            all.addAll(page);
            if (page.size() < MAX_LIMIT) {
                break;
            }
        }
        return new ApiReply(200, "text/csv; charset=utf-8", SuppressionCsv.write(all), null);
    }

    public ApiReply importCsv(@Body String body) throws ApiException {
        List<SuppressionCsv.Line> lines;
        try {
            lines = SuppressionCsv.read(new StringReader(body == null ? "" : body), account, clock.instant());
        } catch (Exception e) {
            throw new ApiException(400, "The body must be CSV with a header line naming at least the column"
                    + " \"address\": " + e.getMessage());
        }
        int added = 0;
        int existing = 0;
        ArrayNode errors = JSON.createArrayNode();
        for (SuppressionCsv.Line line : lines) {
            if (line.entry() == null) {
                errors.addObject().put("line", line.number()).put("message", line.problem());
            } else if (store.add(line.entry())) {
                added++;
            } else {
                existing++;
            }
        }
        LOG.info("Admin API: imported {} suppression list entr{} ({} already there, {} bad line(s))", added,
                added == 1 ? "y" : "ies", existing, errors.size());
        ObjectNode out = JSON.createObjectNode();
        out.put("added", added);
        out.put("existing", existing);
        out.set("errors", errors);
        return ApiReply.json(200, JobStatusView.write(out));
    }

    static ObjectNode describe(Suppression s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("address", s.address());
        if (!s.everyList()) {
            n.put("list", s.list());
        }
        n.put("reason", s.reason().id());
        if (s.detail() != null) {
            n.put("detail", s.detail());
        }
        if (s.jobId() != null) {
            n.put("jobId", s.jobId());
        }
        if (s.createdAt() != null) {
            n.put("createdAt", s.createdAt().toString());
        }
        return n;
    }

    private static String optional(Object header) {
        if (header == null) {
            return null;
        }
        String v = JobStatusView.parameter(header).strip();
        return v.isEmpty() ? null : v;
    }

    private static int number(Object header, String name, int min, int max, int fallback) throws ApiException {
        String v = optional(header);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ApiException(400, name + " must be a whole number from " + min + " to " + max
                    + ", not \"" + v.toLowerCase(Locale.ROOT) + "\"");
        }
    }
}
