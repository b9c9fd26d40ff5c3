package org.outboxrelay.http;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.InvalidJobException;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.TimeOrderedIds;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.StoreFixtures;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.JobStatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpIntakeTest {

    private static final String JOB = "{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}";

    @TempDir
    Path dir;
    JdbcJobStateStore store;
    HttpIntake intake;
    DefaultCamelContext camel = new DefaultCamelContext();

    @BeforeEach
    void open() {
        store = JdbcJobStateStore.embedded(dir);
        intake = new HttpIntake(new JobAdmission(store, Clock.systemUTC(), "relay@example.com", "test-node"), store, Clock.systemUTC(), null);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Exchange request(String contentType, String body, String idempotencyKey) {
        Exchange e = new DefaultExchange(camel);
        e.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
        if (contentType != null) {
            e.getMessage().setHeader("Content-Type", contentType);
        }
        if (idempotencyKey != null) {
            e.getMessage().setHeader("Idempotency-Key", idempotencyKey);
        }
        return e;
    }

    @Test
    void aJsonJobIsIdentifiedByItsIdTheHeaderOrANewId() throws Exception {
        QueuedJob own = intake.readJob(request("application/json; charset=utf-8", "{\"id\": \"mine\", \"to\": \"a@b.c\"}", null));
        assertEquals("mine", own.getId());
        assertEquals(Channel.HTTP, own.getChannel());
        assertFalse(own.isRaw());
        assertEquals("mine", intake.readJob(request("application/json", "{\"id\": \"mine\"}", "mine")).getId());
        assertEquals("key-1", intake.readJob(request("application/json", JOB, "key-1")).getId());
        assertEquals("mine", own.getJson().get("id").asText(), "the JSON is parsed once, at the door");
        assertNull(intake.readJob(request("application/json", "{\"to\": ", null)).getJson(),
                "no tree for malformed JSON: validation parses it and says where it breaks");
        QueuedJob fresh = intake.readJob(request("APPLICATION/JSON", JOB, null));
        assertTrue(fresh.getId().startsWith("http-"), fresh.getId());
        UUID made = UUID.fromString(fresh.getId().substring("http-".length()));
        assertEquals(7, made.version(), "a new id is time-ordered: " + fresh.getId());
        assertTrue(Math.abs(TimeOrderedIds.millisOf(made) - System.currentTimeMillis()) < 60_000, fresh.getId());
        assertTrue(fresh.getAdmission().startsWith("http:"));
        assertTrue(!fresh.getAdmission().equals(intake.readJob(request("application/json", JOB, null)).getAdmission()));

        InvalidJobException conflict = assertThrows(InvalidJobException.class,
                () -> intake.readJob(request("application/json", "{\"id\": \"one\"}", "two")));
        assertEquals("id", conflict.errors().get(0).field());
        InvalidJobException badKey = assertThrows(InvalidJobException.class,
                () -> intake.readJob(request("application/json", JOB, "has space")));
        assertEquals("Idempotency-Key", badKey.errors().get(0).field());
    }

    @Test
    void aRawMessageIsTakenAsItIsAndOtherTypesAre415() throws Exception {
        QueuedJob raw = intake.readJob(request("message/rfc822", "From: a@b.c\r\n\r\nx", "raw-9"));
        assertTrue(raw.isRaw());
        assertEquals("raw-9", raw.getId());
        assertEquals(415, assertThrows(ApiException.class,
                () -> intake.readJob(request("text/plain", "x", null))).status());
        ApiException none = assertThrows(ApiException.class, () -> intake.readJob(request(null, JOB, null)));
        assertTrue(none.getMessage().contains("no Content-Type"), none.getMessage());
    }

    @Test
    void aBatchIsAnArrayOfOneTo500Jobs() throws Exception {
        List<JsonNode> items = intake.readBatch(request("application/json", "[" + JOB + ", {\"id\": \"x\"}, 7]", null));
        assertEquals(3, items.size());
        QueuedJob x = intake.readBatchItem(items.get(1));
        assertEquals("x", x.getId());
        assertEquals("{\"id\":\"x\"}", new String(x.getPayload(), StandardCharsets.UTF_8), "its own JSON is its payload");
        assertSame(items.get(1), x.getJson(), "validation goes on with the tree the batch was read into");
        assertTrue(intake.readBatchItem(items.get(2)).getId().startsWith("http-"));

        assertEquals("(batch)", assertThrows(InvalidJobException.class,
                () -> intake.readBatch(request("application/json", JOB, null))).errors().get(0).field());
        assertThrows(InvalidJobException.class, () -> intake.readBatch(request("application/json", "[]", null)));
        assertThrows(InvalidJobException.class, () -> intake.readBatch(request("application/json", "[{", null)));
        String tooMany = "[" + String.join(",", java.util.Collections.nCopies(501, "{}")) + "]";
        assertEquals(413, assertThrows(ApiException.class,
                () -> intake.readBatch(request("application/json", tooMany, null))).status());
        assertEquals(415, assertThrows(ApiException.class,
                () -> intake.readBatch(request("message/rfc822", "[]", null))).status());
    }

    @Test
    void aKnownIdIsADuplicateUnlessItsJobFailed() throws Exception {
        QueuedJob first = intake.readJob(request("application/json", JOB, "dup"));
        intake.checkSeen(first);
        assertFalse(first.isDuplicate());
        intake.admit(first);
        assertFalse(first.isDuplicate());
        assertEquals(JobStatus.QUEUED, store.find("dup").orElseThrow().status());

        QueuedJob second = intake.readJob(request("application/json", JOB, "dup"));
        intake.checkSeen(second);
        assertTrue(second.isDuplicate());
        assertEquals("queued", second.getDuplicateOf());

        // two requests that both passed checkSeen: the one admitted first wins, the other is a duplicate
        QueuedJob racing = intake.readJob(request("application/json", JOB, "dup"));
        intake.admit(racing);
        assertTrue(racing.isDuplicate());

        StoreFixtures.failed(store, "dup", first.getAdmission(), 1, "550", "550 no");
        QueuedJob retry = intake.readJob(request("application/json", JOB, "dup"));
        intake.checkSeen(retry);
        assertFalse(retry.isDuplicate(), "a failed job may be submitted again");
    }

    @Test
    void onlyIdsTheRelayDidNotMakeAreLookedUpBeforeTheJobIsQueued() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        // the door looks an id up by the job's row only (JobStateStore.seen)
        JobStateStore counting = StoreFixtures.counting(store, "seen", lookups);
        HttpIntake door = new HttpIntake(new JobAdmission(store, Clock.systemUTC(), "relay@example.com", "test-node"),
                counting, Clock.systemUTC(), null);

        QueuedJob made = door.readJob(request("application/json", JOB, null));
        assertTrue(made.hasNewId());
        door.checkSeen(made);
        assertEquals(0, lookups.get(), "an id made just now cannot have been seen");
        assertFalse(made.isDuplicate());
        QueuedJob batchItem = door.readBatchItem(door.readBatch(request("application/json", "[" + JOB + "]", null)).get(0));
        assertTrue(batchItem.hasNewId());

        QueuedJob given = door.readJob(request("application/json", JOB, made.getId()));
        assertFalse(given.hasNewId(), "a client's id, even one the relay once made, is looked up");
        door.admit(made);
        door.checkSeen(given);
        assertEquals(1, lookups.get());
        assertTrue(given.isDuplicate());
        assertFalse(door.readJob(request("message/rfc822", "From: a@b.c\r\n\r\nx", "raw-1")).hasNewId());
    }
}
