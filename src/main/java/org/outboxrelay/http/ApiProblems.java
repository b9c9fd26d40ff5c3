package org.outboxrelay.http;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.delivery.SenderNotAllowedException;
import org.outboxrelay.job.FieldError;
import org.outboxrelay.job.InvalidJobException;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.state.StateStoreException;
import org.outboxrelay.storage.DiskFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error of the HTTP API as {@code application/problem+json} (RFC 9457): {@code type}, {@code title},
 * {@code status}, {@code detail}, and for invalid jobs {@code errors}, one {@code {"field","message"}} per bad
 * field. Nothing of an exception but its message for the client reaches an answer; unexpected failures are
 * logged here with their stack trace and answered with a plain sentence.
 */
public class ApiProblems {

    private static final Logger LOG = LoggerFactory.getLogger(ApiProblems.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** 400: the job can never be sent as it is (invalid, or a From the account may not use). */
    public ApiReply invalidJob(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception e,
            @ExchangeProperty("job") QueuedJob job) {
        List<FieldError> errors = fieldErrors(e, job);
        // the detail names the first problems (as the job's reason does everywhere), "errors" has them all
        String detail = e instanceof InvalidJobException ? e.getMessage()
                : String.join("; ", errors.stream().map(FieldError::toString).toList());
        ObjectNode p = problemNode(400, "The mail job is invalid: " + detail);
        p.set("errors", errorList(errors));
        return reply(400, p);
    }

    /**
     * 503: the relay takes no jobs while the disk under data/ is full (or its broker stopped); said once in the
     * log by the storage guard, not for each refused request.
     */
    public ApiReply notTakingJobs(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) DiskFullException e) {
        return problem(503, e.getMessage());
    }

    /** The status the {@link ApiException} asks for (400, 404, 413, 415, 503). */
    public ApiReply refused(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) ApiException e) {
        return problem(e.status(), e.getMessage());
    }

    /**
     * Anything else: 503 when the broker or the job store is unavailable (the client should try again), else
     * 500. Either way the job was not accepted.
     */
    public ApiReply unexpected(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception e) {
        if (unavailable(e)) {
            LOG.error("HTTP API: a request failed because the broker or the job store is unavailable", e);
            return problem(503, "The job was not accepted: the relay's queue or job store is unavailable."
                    + " Try again later.");
        }
        LOG.error("HTTP API: a request failed unexpectedly", e);
        return problem(500, "The request failed inside the relay and the job was not accepted."
                + " Try again; the relay's log has the details.");
    }

    /** One job of a batch that was not accepted: {@code {"errors": [...]}} (its place in the answer says which). */
    public ObjectNode rejectedItem(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception e,
            @ExchangeProperty("job") QueuedJob job) {
        List<FieldError> errors;
        if (e instanceof InvalidJobException || e instanceof SenderNotAllowedException) {
            errors = fieldErrors(e, job);
        } else if (e instanceof DiskFullException) {
            errors = List.of(new FieldError("(job)", "was not accepted: " + e.getMessage()));
        } else {
            LOG.error("HTTP API: a job of a batch could not be queued", e);
            errors = List.of(new FieldError("(job)", unavailable(e)
                    ? "was not accepted: the relay's queue or job store is unavailable; send it again later"
                    : "was not accepted because of an error inside the relay; send it again"));
        }
        ObjectNode item = JSON.createObjectNode();
        item.set("errors", errorList(errors));
        return item;
    }

    /** A problem answer with the standard title of the status. */
    public static ApiReply problem(int status, String detail) {
        return reply(status, problemNode(status, detail));
    }

    private static ObjectNode problemNode(int status, String detail) {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "about:blank");
        p.put("title", HttpResponseStatus.valueOf(status).reasonPhrase());
        p.put("status", status);
        p.put("detail", detail);
        return p;
    }

    private static ApiReply reply(int status, ObjectNode problem) {
        try {
            return new ApiReply(status, ApiReply.PROBLEM, JSON.writeValueAsString(problem), null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<FieldError> fieldErrors(Exception e, QueuedJob job) {
        if (e instanceof InvalidJobException invalid) {
            return invalid.errors();
        }
        // the sender policy speaks of the From of a JSON job, or an originator header (From, Sender, Resent-From,
        // Resent-Sender) of a raw message
        boolean raw = job != null && job.isRaw();
        String header = e instanceof SenderNotAllowedException s ? s.field() : "From";
        return List.of(new FieldError(raw ? header : "from", e.getMessage()));
    }

    private static ArrayNode errorList(List<FieldError> errors) {
        ArrayNode list = JSON.createArrayNode();
        for (FieldError error : errors) {
            list.addObject().put("field", error.field()).put("message", error.message());
        }
        return list;
    }

    static boolean unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StateStoreException || t instanceof jakarta.jms.JMSException
                    || t instanceof org.springframework.jms.JmsException) {
                return true;
            }
        }
        return false;
    }
}
