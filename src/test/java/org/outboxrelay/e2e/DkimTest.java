package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.dkim.DkimKey;
import org.outboxrelay.testing.DkimVerifier;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DKIM through the real routes: the bytes a real SMTP server received carry an rsa-sha256 and an ed25519-sha256
 * signature (relaxed/relaxed) that dkimpy - not the relay's signer - verifies with the published keys; a changed
 * body fails; raw messages are signed too; another From domain is not signed.
 */
class DkimTest {

    @TempDir
    static Path keys;
    static Path rsaFile;
    static Path edFile;
    static Map<String, String> dns;

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;

    @BeforeAll
    static void makeKeys() throws Exception {
        DkimVerifier.requireAvailable();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        rsaFile = pem(keys.resolve("example.com.rsa.pem"), rsa.generateKeyPair().getPrivate().getEncoded());
        edFile = pem(keys.resolve("example.com.ed25519.pem"),
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate().getEncoded());
        DkimKey r = DkimKey.load("example.com", "s2025", rsaFile);
        DkimKey e = DkimKey.load("example.com", "ed2025", edFile);
        dns = Map.of(r.recordName(), r.recordValue(), e.recordName(), e.recordValue());
    }

    static Path pem(Path file, byte[] pkcs8) throws Exception {
        return Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n");
    }

    @BeforeEach
    void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp)
                .with("relay.smtp.from", "news@example.com")
                .with("relay.smtp.allowed-from", "*@example.net")
                .with("relay.dkim.keys", "example.com:s2025:" + rsaFile + ", example.com:ed2025:" + edFile)
                .with("relay.unsubscribe.base-url", "https://mail.example.com")
                .with("relay.unsubscribe.secret", "test-secret-0123456789-0123456789-abcdef")
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    @Test
    void signaturesOfSentMessagesVerifyWithAnIndependentImplementation() throws Exception {
        relay.api().postJson("/api/v1/mails", "{\"id\": \"d-1\", \"to\": \"ann@example.org\", \"subject\":"
                + " \"Grüße und Ä\", \"text\": \"Zeile eins\\nZeile   zwei   \\n\\n\", \"html\": \"<p>Hallo</p>\","
                + " \"unsubscribe\": {\"list\": \"newsletter\"}, \"attachments\": [{\"filename\": \"a.txt\","
                + " \"contentBase64\": \"" + Base64.getEncoder().encodeToString("x\ny\n".getBytes()) + "\"}]}");
        ReceivedMessage m = smtp.awaitMessage();
        List<JsonNode> results = DkimVerifier.verify(m.raw(), dns);
        assertEquals(2, results.size(), results.toString());
        for (JsonNode r : results) {
            assertTrue(r.path("ok").asBoolean(), "signature verifies: " + r);
            assertEquals("example.com", r.path("domain").asText());
            assertEquals("relaxed/relaxed", r.path("canonicalization").asText());
            String h = r.path("headers").asText().toLowerCase();
            for (String header : List.of("from", "to", "subject", "date", "message-id", "list-unsubscribe",
                    "list-unsubscribe-post", "mime-version", "content-type")) {
                assertTrue(List.of(h.split(":")).contains(header), header + " signed: " + h);
            }
        }
        assertEquals(List.of("rsa-sha256", "ed25519-sha256"),
                results.stream().map(r -> r.path("algorithm").asText()).sorted(
                        (a, b) -> a.startsWith("rsa") ? -1 : 1).toList());

        // a changed body no longer verifies
        String text = new String(m.raw(), StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\r\n\r\n") + 40;
        String changed = text.substring(0, at) + (text.charAt(at) == 'X' ? 'Y' : 'X') + text.substring(at + 1);
        for (JsonNode r : DkimVerifier.verify(changed.getBytes(StandardCharsets.ISO_8859_1), dns)) {
            assertFalse(r.path("ok").asBoolean(), "changed body: " + r);
        }
        // so does a changed signed header
        String subject = text.replaceFirst("(?m)^Subject: ", "Subject: Re: ");
        for (JsonNode r : DkimVerifier.verify(subject.getBytes(StandardCharsets.ISO_8859_1), dns)) {
            assertFalse(r.path("ok").asBoolean(), "changed subject: " + r);
        }
    }

    @Test
    void rawMessagesAreSignedAndOtherDomainsAreNot() throws Exception {
        String raw = "From: News <news@example.com>\r\nTo: ann@example.org\r\nSubject: raw\r\n"
                + "Message-ID: <raw-d@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße   aus \r\ndem Relay\r\n\r\n\r\n";
        relay.sendMime(raw.getBytes(StandardCharsets.UTF_8), Map.of("jobId", "raw-d"));
        ReceivedMessage signed = smtp.awaitMessage();
        List<JsonNode> results = DkimVerifier.verify(signed.raw(), dns);
        assertEquals(2, results.size(), signed.text());
        assertTrue(results.stream().allMatch(r -> r.path("ok").asBoolean()), results.toString());
        assertEquals("<raw-d@example.com>", signed.header("Message-ID"));

        relay.api().postJson("/api/v1/mails", "{\"from\": \"info@example.net\", \"to\": \"ann@example.org\","
                + " \"subject\": \"other domain\", \"text\": \"t\"}");
        ReceivedMessage other = smtp.awaitMessages(2, Duration.ofSeconds(30)).get(1);
        assertEquals(null, other.header("DKIM-Signature"), "no key for example.net");
    }
}
