package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suppression list through the real routes: a job to a suppressed address is never sent (the SMTP server
 * sees nothing) and says why in its status, events and outbox error file; a mixed job goes to the others only;
 * raw messages are filtered by their envelope; the admin API lists, adds, removes, imports and exports.
 */
class SuppressionTest {

    static final String SUPPRESSION = "/api/v1/admin/suppression";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    ApiClient api;

    @BeforeEach
    void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).start();
        api = relay.api();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    private void suppress(String address, String reason) {
        ApiClient.Response r = api.postJson(SUPPRESSION, "{\"address\": \"" + address + "\", \"reason\": \"" + reason
                + "\", \"detail\": \"by the test\"}");
        assertEquals(201, r.status(), r.toString());
    }

    private JsonNode awaitStatus(String id, String status) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            ApiClient.Response r = api.get("/api/v1/mails/" + id);
            return r.status() == 200 ? r.json() : null;
        }, s -> s != null && status.equals(s.path("status").asText()));
    }

    @Test
    void aJobToSuppressedAddressesOnlyIsNeverSentAndSaysWhy() throws Exception {
        suppress("Gone@Example.org", "hard-bounce");
        ApiClient.Response r = api.postJson("/api/v1/mails", "{\"id\": \"s-1\", \"to\": \"gone@example.org\","
                + " \"subject\": \"hello\", \"text\": \"t\"}");
        assertEquals(202, r.status(), r.toString());

        JsonNode status = awaitStatus("s-1", "failed");
        assertTrue(status.path("reason").asText().contains("every recipient is on the suppression list"), status.toString());
        assertEquals("gone@example.org", status.path("recipients").path("suppressed").get(0).path("address").asText());
        assertEquals("hard-bounce", status.path("recipients").path("suppressed").get(0).path("reason").asText());
        JsonNode suppressed = relay.awaitEvent(TestRelay.status("s-1", "suppressed"));
        assertEquals("suppressed: hard-bounce", suppressed.path("recipients").path("refused").get(0).path("reply").asText());
        JsonNode failed = relay.awaitEvent(TestRelay.status("s-1", "failed"));
        assertEquals("gone@example.org", failed.path("recipients").path("refused").get(0).path("address").asText());
        assertEquals(0, smtp.transactionCount(), "no SMTP traffic at all");
        assertEquals(0, smtp.connectionCount());

        // the outbox: failed/ with the reason beside it
        relay.drop("gone.json", "{\"to\": [\"GONE@example.org\"], \"subject\": \"s\", \"text\": \"t\"}");
        relay.awaitFile("failed", "gone.json.error.json");
        JsonNode report = new ObjectMapper().readTree(relay.read("failed", "gone.json.error.json"));
        assertTrue(report.toString().contains("suppression list"), report.toString());
        assertEquals(0, smtp.transactionCount());
        assertTrue(relay.deadLetters().stream().anyMatch(m -> "s-1".equals(TestRelay.jobId(m))));
    }

    @Test
    void aMixedJobGoesToTheOthersOnlyAndRawMessagesAreFilteredByTheirEnvelope() throws Exception {
        suppress("gone@example.org", "manual");
        assertEquals(202, api.postJson("/api/v1/mails", "{\"id\": \"m-1\", \"to\": [\"Ann <ann@example.org>,"
                + " gone@example.org\"], \"cc\": \"cc@example.org\", \"bcc\": [\"gone@example.org\"],"
                + " \"subject\": \"mixed\", \"text\": \"t\"}").status());
        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("ann@example.org", "cc@example.org"), m.recipients());
        assertFalse(m.header("To").contains("gone@"), m.header("To"));
        JsonNode status = awaitStatus("m-1", "sent");
        assertEquals(2, status.path("recipients").path("accepted").asInt(), status.toString());
        assertEquals(1, status.path("recipients").path("suppressed").size(), status.toString());
        JsonNode event = relay.awaitEvent(TestRelay.status("m-1", "suppressed"));
        assertEquals(1, event.path("recipients").path("refused").size());
        relay.awaitEvent(TestRelay.status("m-1", "sent"));

        String raw = "From: relay@example.com\r\nTo: ann@example.org, GONE@example.org\r\nSubject: raw\r\n"
                + "Message-ID: <raw-1@example.com>\r\n\r\nbody\r\n";
        relay.sendMime(raw.getBytes(StandardCharsets.US_ASCII), Map.of("jobId", "raw-1"));
        List<ReceivedMessage> all = smtp.awaitMessages(2, Duration.ofSeconds(30));
        assertEquals(List.of("ann@example.org"), all.get(1).recipients(), "envelope without the suppressed address");
        assertTrue(all.get(1).header("To").contains("GONE@example.org"), "the raw message's headers stay as written");
        awaitStatus("raw-1", "sent");
        assertEquals(2, smtp.transactionCount());
    }

    @Test
    void theAdminApiListsAddsRemovesImportsAndExports() throws Exception {
        suppress("a@example.org", "manual");
        assertEquals(200, api.postJson(SUPPRESSION, "{\"address\": \"A@example.org\"}").status(), "already there");
        ApiClient.Response imported = api.post(SUPPRESSION + "/import", "text/csv",
                ("address,list,reason,detail\nb@example.org,,complaint,from the old system\n"
                        + "c@example.org,newsletter,,\nnot-an-address,,,\nd@example.org,,bogus,\n")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(200, imported.status(), imported.toString());
        assertEquals(2, imported.json().path("added").asInt(), imported.toString());
        assertEquals(2, imported.json().path("errors").size(), imported.toString());
        assertEquals(4, imported.json().path("errors").get(0).path("line").asInt(), "the line of the file");
        assertEquals(5, imported.json().path("errors").get(1).path("line").asInt());

        JsonNode all = api.get(SUPPRESSION).json();
        assertEquals(3, all.size(), all.toString());
        assertEquals("newsletter", api.get(SUPPRESSION + "?list=newsletter").json().get(0).path("list").asText());
        String csv = api.get(SUPPRESSION + "/export").body();
        assertTrue(csv.startsWith("address,list,reason,detail,created_at"), csv);
        assertTrue(csv.contains("b@example.org,,complaint,\"from the old system\"")
                || csv.contains("b@example.org,,complaint,from the old system"), csv);

        assertEquals(200, api.send("DELETE", SUPPRESSION + "/b@example.org").status());
        assertEquals(404, api.send("DELETE", SUPPRESSION + "/b@example.org").status());
        assertEquals(404, api.send("DELETE", SUPPRESSION + "/c@example.org?list=offers").status());
        assertEquals(2, api.get(SUPPRESSION).json().size());
        assertEquals(400, api.postJson(SUPPRESSION, "{\"address\": \"nope\"}").status());
        assertEquals(401, api.withToken(null).get(SUPPRESSION).status());
    }
}
