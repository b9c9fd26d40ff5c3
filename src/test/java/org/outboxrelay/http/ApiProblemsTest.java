package org.outboxrelay.http;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.outboxrelay.delivery.SenderNotAllowedException;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.FieldError;
import org.outboxrelay.job.InvalidJobException;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.state.StateStoreException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ApiProblemsTest {

    private final ApiProblems problems = new ApiProblems();

    private static JsonNode json(ApiReply reply) throws Exception {
        assertEquals(ApiReply.PROBLEM, reply.contentType());
        return new ObjectMapper().readTree(reply.body());
    }

    private static QueuedJob job(boolean raw) {
        return new QueuedJob("j", Channel.HTTP, raw, new byte[0], 0, Instant.now(), null, "http:1");
    }

    @Test
    void anInvalidJobIs400NamingEachField() throws Exception {
        ApiReply reply = problems.invalidJob(new InvalidJobException(List.of(new FieldError("to", "is required"),
                new FieldError("colour", "is not a known field"))), job(false));
        assertEquals(400, reply.status());
        JsonNode p = json(reply);
        assertEquals("about:blank", p.path("type").asText());
        assertEquals("Bad Request", p.path("title").asText());
        assertEquals(400, p.path("status").asInt());
        assertEquals("The mail job is invalid: to: is required; colour: is not a known field", p.path("detail").asText());
        assertEquals("colour", p.path("errors").get(1).path("field").asText());
        assertEquals("is not a known field", p.path("errors").get(1).path("message").asText());
    }

    @Test
    void aForbiddenFromNamesTheFieldOrTheHeader() throws Exception {
        SenderNotAllowedException e = new SenderNotAllowedException("From x@y is not allowed");
        assertEquals("from", json(problems.invalidJob(e, job(false))).path("errors").get(0).path("field").asText());
        assertEquals("From", json(problems.invalidJob(e, job(true))).path("errors").get(0).path("field").asText());
    }

    @Test
    void unexpectedFailuresSayNothingOfTheirInsides() throws Exception {
        ApiReply unavailable = problems.unexpected(new RuntimeException("wrapped",
                new StateStoreException("db gone", new java.sql.SQLException("secret detail"))));
        assertEquals(503, unavailable.status());
        ApiReply internal = problems.unexpected(new NullPointerException("at some.Class"));
        assertEquals(500, internal.status());
        for (ApiReply r : List.of(unavailable, internal)) {
            assertFalse(r.body().contains("secret detail") || r.body().contains("some.Class")
                    || r.body().contains("Exception"), r.body());
        }
        assertEquals(503, problems.unexpected(new org.springframework.jms.UncategorizedJmsException("down")).status());
    }

    @Test
    void aRejectedJobOfABatchCarriesItsErrors() {
        assertEquals("[{\"field\":\"to\",\"message\":\"is required\"}]", problems.rejectedItem(
                new InvalidJobException("to", "is required"), job(false)).path("errors").toString());
        assertEquals("(job)", problems.rejectedItem(new IllegalStateException("boom"), job(false))
                .path("errors").get(0).path("field").asText());
    }

    @Test
    void refusalsKeepTheirStatus() throws Exception {
        ApiReply r = problems.refused(new ApiException(415, "Content-Type text/plain is not supported"));
        assertEquals(415, r.status());
        assertEquals("Unsupported Media Type", json(r).path("title").asText());
    }
}
