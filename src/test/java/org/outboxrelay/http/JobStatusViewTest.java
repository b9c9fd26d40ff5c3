package org.outboxrelay.http;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.StoreFixtures;
import org.outboxrelay.state.JobAdmission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobStatusViewTest {

    @TempDir
    Path dir;
    JdbcJobStateStore store;
    JobStatusView view;

    @BeforeEach
    void open() {
        store = JdbcJobStateStore.embedded(dir);
        view = new JobStatusView(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aSentJobShowsItsMessageIdReplyAndRecipients() throws Exception {
        new JobAdmission(store, Clock.systemUTC(), "relay@example.com", "test-node").admitNew(StoreFixtures.job("s", "outbox", "t1"));
        StoreFixtures.sent(store, "s", "t1", 2, "<m@x>", "250 ok", 1,
                "[{\"address\":\"gone@example.com\",\"reply\":\"550 unknown\"}]", java.util.List.of("a@example.com"),
                Instant.parse("2026-01-02T03:04:05Z"));
        ApiReply reply = view.reply("s");
        assertEquals(200, reply.status());
        JsonNode n = new ObjectMapper().readTree(reply.body());
        assertEquals("sent", n.path("status").asText());
        assertEquals("outbox", n.path("channel").asText());
        assertEquals(2, n.path("attempts").asInt());
        assertEquals("<m@x>", n.path("messageId").asText());
        assertEquals("250 ok", n.path("smtpReply").asText());
        assertEquals(1, n.path("recipients").path("accepted").asInt());
        assertEquals("gone@example.com", n.path("recipients").path("refused").get(0).path("address").asText());
        assertEquals("2026-01-02T03:04:05Z", n.path("updatedAt").asText());
        assertTrue(n.path("nextAttemptAt").isMissingNode());
    }

    @Test
    void aDeferredJobShowsWhenItIsTriedAgain() {
        new JobAdmission(store, Clock.systemUTC(), "relay@example.com", "test-node").admitNew(StoreFixtures.job("d", "jms", "t1"));
        StoreFixtures.deferred(store, "d", "t1", 1, Instant.parse("2030-01-01T00:00:00Z"), "451 later", "busy");
        JsonNode n = view.describe(store.find("d").orElseThrow());
        assertEquals("deferred", n.path("status").asText());
        assertEquals("2030-01-01T00:00:00Z", n.path("nextAttemptAt").asText());
        assertEquals("busy", n.path("reason").asText());
    }

    @Test
    void anUnknownIdIs404() {
        assertEquals(404, assertThrows(ApiException.class, () -> view.reply("nope")).status());
    }
}
