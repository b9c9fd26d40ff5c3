package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad input ends in outbox/failed/ with a reason a person can read, nothing is lost, and the
 * good job dropped among them is delivered.
 */
class BadInputTest {

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;

    @BeforeEach
    void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.limits.max-message-bytes", "2000").start();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    @Test
    void eachBadFileFailsWithItsReasonAndTheGoodOneIsSent() throws Exception {
        byte[] binary = new byte[600];
        new Random(7).nextBytes(binary);
        binary[10] = 0;
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("malformed.json", utf8("{\"to\": \"a@example.com\", \"subject\": \"x\""));
        bad.put("no-recipient.json", utf8("{\"subject\": \"x\", \"text\": \"t\"}"));
        bad.put("empty-recipients.json", utf8("{\"to\": [], \"subject\": \"x\", \"text\": \"t\"}"));
        bad.put("unknown-field.json", utf8("{\"to\": \"a@example.com\", \"subject\": \"x\", \"text\": \"t\", \"priority\": 1}"));
        bad.put("subject-injection.json", utf8("{\"to\": \"a@example.com\", \"subject\": \"Hi\\r\\nBcc: evil@example.net\", \"text\": \"t\"}"));
        bad.put("address-injection.json", utf8("{\"to\": \"a@example.com\\nBcc: evil@example.net\", \"subject\": \"x\", \"text\": \"t\"}"));
        bad.put("invalid-address.json", utf8("{\"to\": [\"a@example.com\", \"not an address\"], \"subject\": \"x\", \"text\": \"t\"}"));
        bad.put("too-large.json", utf8("{\"to\": \"a@example.com\", \"subject\": \"x\", \"text\": \"" + "y".repeat(3000) + "\"}"));
        bad.put("empty.json", new byte[0]);
        bad.put("binary.json", binary);
        bad.put("binary.eml", binary);
        bad.put("not-a-message.eml", utf8("Dear all,\r\nthis is just text.\r\n"));
        bad.put("no-recipient.eml", utf8("From: relay@example.com\r\nSubject: nobody\r\n\r\nbody\r\n"));
        bad.put("reserved-header.json", utf8("{\"to\": \"a@example.com\", \"subject\": \"x\", \"text\": \"t\", \"headers\": {\"Bcc\": \"evil@example.net\"}}"));
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            relay.drop(e.getKey(), e.getValue());
        }
        relay.drop("zz-good.json", "{\"to\": \"a@example.com\", \"subject\": \"the good one\", \"text\": \"t\"}");

        ReceivedMessage good = smtp.awaitMessage();
        assertEquals("the good one", good.subject());
        for (String name : bad.keySet()) {
            relay.awaitFile("failed", name + ".error.json");
        }
        Map<String, String> reasons = new LinkedHashMap<>();
        for (String name : bad.keySet()) {
            JsonNode report = new ObjectMapper().readTree(relay.read("failed", name + ".error.json"));
            assertEquals(name, report.path("file").asText());
            assertEquals("failed", report.path("status").asText());
            reasons.put(name, report.path("reason").asText());
        }
        expect(reasons, "malformed.json", "malformed JSON at line 1");
        expect(reasons, "no-recipient.json", "to: at least one recipient is required");
        expect(reasons, "empty-recipients.json", "at least one recipient is required");
        expect(reasons, "unknown-field.json", "priority: is not a known field");
        expect(reasons, "subject-injection.json", "subject: must not contain a line break");
        expect(reasons, "address-injection.json", "to: must not contain a line break");
        expect(reasons, "invalid-address.json", "to[1]: \"not an address\" is not a valid address");
        expect(reasons, "too-large.json", "more than relay.limits.max-message-bytes (2000)");
        expect(reasons, "empty.json", "is empty");
        expect(reasons, "binary.json", "is not UTF-8 text");
        expect(reasons, "binary.eml", "binary data");
        expect(reasons, "not-a-message.eml", "not an RFC 5322 message");
        expect(reasons, "no-recipient.eml", "no recipient");
        expect(reasons, "reserved-header.json", "headers.Bcc: is set by the relay");

        // the originals are kept intact beside their reasons, nothing is left behind or sent
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            assertTrue(java.util.Arrays.equals(e.getValue(),
                    java.nio.file.Files.readAllBytes(relay.outbox().resolve("failed").resolve(e.getKey()))), e.getKey());
        }
        assertEquals(List.of(), relay.filesIn("sent").stream().filter(n -> !n.equals("zz-good.json")).toList());
        assertEquals(1, smtp.messages().size());
        assertTrue(relay.events().stream().filter(ev -> "failed".equals(ev.path("status").asText())).count()
                >= bad.size());
    }

    private static void expect(Map<String, String> reasons, String file, String fragment) {
        assertTrue(reasons.get(file).contains(fragment), file + ": " + reasons.get(file));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
