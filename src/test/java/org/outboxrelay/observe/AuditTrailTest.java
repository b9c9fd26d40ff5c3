package org.outboxrelay.observe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestSmtpServer.Stage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** data/log/audit.jsonl: one line per delivery attempt, without bodies, secrets or (by default) addresses. */
class AuditTrailTest {

    @TempDir
    Path home;
    TestSmtpServer smtp = TestSmtpServer.startPlain();
    TestRelay relay;

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    private List<JsonNode> lines() throws Exception {
        return relay.auditTrail();
    }


    @Test
    void eachAttemptIsOneLineWithoutAddressesOrContent() throws Exception {
        relay = TestRelay.forServer(home, smtp).start();
        smtp.failNext(Stage.RCPT, 451, "4.2.0 Mailbox busy", 1);
        relay.sendJson("{\"to\": [\"secret-person@example.com\", \"b@example.com\"], \"subject\": \"Private subject\","
                + " \"text\": \"Private body\"}", Map.of("jobId", "audit-1"));
        relay.awaitEvent(TestRelay.status("audit-1", "sent"));

        await().until(() -> lines().size() >= 2);
        List<JsonNode> lines = lines();
        JsonNode deferred = lines.get(0);
        JsonNode sent = lines.get(1);
        assertEquals("audit-1", deferred.path("jobId").asText());
        assertEquals("deferred", deferred.path("outcome").asText());
        assertEquals(451, deferred.path("smtpCode").asInt());
        assertEquals(1, deferred.path("attempt").asInt());
        assertEquals("sent", sent.path("outcome").asText());
        assertEquals(2, sent.path("attempt").asInt());
        assertEquals(250, sent.path("smtpCode").asInt());
        assertEquals(2, sent.path("recipients").asInt());
        assertEquals(2, sent.path("accepted").asInt());
        assertTrue(sent.path("messageId").asText().endsWith(".relay@example.com>"));
        assertTrue(sent.path("durationMs").asLong() >= 0);
        String file = Files.readString(home.resolve("data/log/audit.jsonl"));
        assertFalse(file.contains("secret-person"), "no addresses by default");
        assertFalse(file.contains("Private"), "no subject or body");
    }

    @Test
    void addressesOnlyWhenAskedFor() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.audit.include-addresses", "true").start();
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 unknown");
        relay.sendJson("{\"to\": [\"a@example.com\", \"gone@example.com\"], \"subject\": \"s\", \"text\": \"t\"}",
                Map.of("jobId", "audit-2"));
        relay.awaitEvent(TestRelay.status("audit-2", "sent"));
        await().until(() -> lines().size() >= 1);
        JsonNode line = lines().get(0);
        assertEquals("[\"gone@example.com\"]", line.path("refusedAddresses").toString());
        assertEquals("[\"a@example.com\",\"gone@example.com\"]", line.path("addresses").toString());
    }
}
