package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.state.JobRecord;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files dropped into outbox/ arrive at a real SMTP server, and their originals end in outbox/sent/. */
class OutboxFolderTest {

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;

    @BeforeEach
    void start() {
        smtp = TestSmtpServer.startPlain();
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        smtp.close();
    }

    @Test
    void jsonJobIsDeliveredWithAllItsParts() throws Exception {
        relay = TestRelay.forServer(home, smtp).start();
        byte[] pdf = new byte[3000];
        for (int i = 0; i < pdf.length; i++) {
            pdf[i] = (byte) (i * 31);
        }
        String original = """
                {"id": "order-42",
                 "to": ["Jane Doe <jane@example.com>"], "cc": "cc@example.com", "bcc": ["hidden@example.com"],
                 "replyTo": "support@example.com",
                 "subject": "Grüße from the relay",
                 "text": "Plain body", "html": "<p>HTML body</p>",
                 "attachments": [{"filename": "report.pdf", "contentType": "application/pdf",
                                  "contentBase64": "%s"}],
                 "headers": {"X-Campaign": "spring"}}
                """.formatted(Base64.getEncoder().encodeToString(pdf));
        relay.drop("welcome.json", original);

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals("relay@example.com", m.envelopeFrom());
        assertEquals(List.of("jane@example.com", "cc@example.com", "hidden@example.com"), m.recipients());
        assertEquals("Grüße from the relay", m.subject());
        assertEquals("Plain body", m.part("text/plain"));
        assertEquals("<p>HTML body</p>", m.part("text/html"));
        assertArrayEquals(pdf, m.attachment("report.pdf"));
        assertEquals("spring", m.header("X-Campaign"));
        assertEquals("support@example.com", m.header("Reply-To"));
        assertTrue(m.header("To").contains("jane@example.com"));
        assertEquals("cc@example.com", m.header("Cc"));
        assertNull(m.header("Bcc"), "Bcc must not be sent");
        assertTrue(m.mime().isMimeType("multipart/mixed"));

        relay.awaitFile("sent", "welcome.json");
        assertEquals(original, relay.read("sent", "welcome.json"), "the original file, as it was dropped");
        assertEquals(List.of(), relay.filesIn("failed"));
        assertTrue(Files.notExists(relay.outbox().resolve("welcome.json")), "the file left the outbox");
        JsonNode event = relay.awaitEvent(TestRelay.status("order-42", "sent"));
        assertEquals("outbox", event.path("channel").asText());
        assertEquals(3, event.path("recipients").path("accepted").asInt());
        assertEquals(m.header("Message-ID"), event.path("messageId").asText());
        JobRecord record = relay.record("order-42");
        assertEquals(JobStatus.SENT, record.status());
        assertEquals(m.header("Message-ID"), record.messageId());
        assertTrue(record.smtpReply().startsWith("250"), record.smtpReply());
    }

    @Test
    void aFileWhoseJobIdWasAcceptedBeforeGoesToFailedSayingSoAndIsNotSentAgain() throws Exception {
        relay = TestRelay.forServer(home, smtp).start();
        String job = """
                {"id": "once-only", "to": "a@example.com", "subject": "Once", "text": "t"}
                """;
        relay.drop("first.json", job);
        smtp.awaitMessage();
        relay.awaitFile("sent", "first.json");

        relay.drop("again.json", job);
        relay.awaitFile("failed", "again.json.error.json");
        assertTrue(relay.read("failed", "again.json.error.json")
                .contains("duplicate: a job with id once-only is already sent; this one was not sent"));
        assertEquals(job, relay.read("failed", "again.json"), "the file is kept as it was");
        relay.awaitEvent(TestRelay.status("once-only", "duplicate"));
        assertEquals(1, smtp.messages().size(), "sent once");
        assertEquals(JobStatus.SENT, relay.record("once-only").status());
    }

    @Test
    void emlIsSentAsItIsWithoutItsBccHeader() throws Exception {
        relay = TestRelay.forServer(home, smtp).start();
        String eml = "From: Relay <relay@example.com>\r\n"
                + "To: a@example.com\r\n"
                + "Cc: b@example.com\r\n"
                + "Bcc: secret@example.com\r\n"
                + "Subject: Raw message\r\n"
                + "Message-ID: <raw-1@example.com>\r\n"
                + "X-Custom: kept\r\n"
                + "\r\n"
                + "Body line one\r\nBody line two\r\n";
        relay.drop("raw.eml", eml);

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("a@example.com", "b@example.com", "secret@example.com"), m.recipients());
        assertNull(m.header("Bcc"));
        assertEquals("Raw message", m.subject());
        assertEquals("<raw-1@example.com>", m.header("Message-ID"));
        assertEquals("kept", m.header("X-Custom"));
        assertTrue(m.text().contains("Body line one\r\nBody line two"));
        relay.awaitFile("sent", "raw.eml");
        assertEquals(eml, relay.read("sent", "raw.eml"), "the original is kept byte for byte");
    }

    @Test
    void manyFilesTakenSeveralAtATimeAreEachSentOnceOrFailedWithTheirReason() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.outbox.threads", "4").start();
        List<String> valid = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String name = String.format("job-%02d", i);
            if (i % 15 == 7) {
                relay.drop(name + ".json", "{\"to\": \"not an address\", \"subject\": \"" + name + "\"}");
            } else {
                relay.drop(name + ".json", "{\"to\": \"x@example.com\", \"subject\": \"" + name + "\", \"text\": \"t\"}");
                valid.add(name);
            }
        }

        List<ReceivedMessage> all = smtp.awaitMessages(valid.size(), Duration.ofSeconds(30));
        assertEquals(valid, all.stream().map(ReceivedMessage::subject).sorted().toList(), "each valid file once");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> relay.filesIn("sent").size() == valid.size() && relay.filesIn("failed").size() == 8);
        assertEquals(valid.stream().map(n -> n + ".json").toList(), relay.filesIn("sent"));
        assertEquals(List.of("job-07.json", "job-07.json.error.json", "job-22.json", "job-22.json.error.json",
                "job-37.json", "job-37.json.error.json", "job-52.json", "job-52.json.error.json"), relay.filesIn("failed"));
        assertTrue(relay.read("failed", "job-22.json.error.json").contains("not an address"));
        assertEquals(List.of("failed", "sent"), relay.filesIn(""), "nothing left in the outbox");
        assertEquals(valid.size(), smtp.messages().size(), "nothing sent twice");
    }

    @Test
    void oneThreadAndOneConsumerSendFilesInNameOrder() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.delivery.consumers", "1").with("relay.outbox.threads", "1");
        Path outbox = home.resolve("outbox");
        Files.createDirectories(outbox);
        for (String name : List.of("03-c", "01-a", "05-e", "02-b", "04-d")) {
            Files.writeString(outbox.resolve(name + ".json"), """
                    {"to": "x@example.com", "subject": "%s", "text": "t"}""".formatted(name));
            Files.setLastModifiedTime(outbox.resolve(name + ".json"),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 10_000));
        }
        relay.start();
        List<ReceivedMessage> all = smtp.awaitMessages(5, Duration.ofSeconds(30));
        assertEquals(List.of("01-a", "02-b", "03-c", "04-d", "05-e"),
                all.stream().map(ReceivedMessage::subject).toList());
    }

    @Test
    void anEmlWhoseToHeaderIsFoldedInsideAQuotedLocalPartReachesTheUnfoldedAddress() throws Exception {
        relay = TestRelay.forServer(home, smtp).start();
        relay.drop("folded.eml", "From: relay@example.com\r\nTo: \"jane\r\n doe\"@example.com,\r\n\tbob@example.com\r\n"
                + "Subject: folded\r\n\r\nbody\r\n");
        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("\"jane doe\"@example.com", "bob@example.com"), m.recipients());
        relay.awaitFile("sent", "folded.eml");
    }

    @Test
    void minAgeZeroTakesEachFileAtOnce() throws Exception {
        // with 0 handed to Camel's read lock as it is, the poller waited 250 ms on each file (4 files a second)
        relay = TestRelay.forServer(home, smtp).with("relay.outbox.min-age", "0").start();
        for (int i = 0; i < 40; i++) {
            relay.drop("now-%02d.json".formatted(i), """
                    {"to": "x@example.com", "subject": "now-%02d", "text": "t"}""".formatted(i));
        }
        List<ReceivedMessage> all = smtp.awaitMessages(40, Duration.ofSeconds(6));
        assertEquals(40, all.size());
        assertEquals(List.of(), relay.filesIn("failed"));
    }

    @Test
    void aCompleteJsonJobIsTakenAtOnceWhileAYoungMessageWaitsForMinAge() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.outbox.min-age", "1h").start();
        relay.drop("a-job.json", "{\"to\": \"x@example.com\", \"subject\": \"at once\", \"text\": \"t\"}");
        relay.drop("b-message.eml", "From: relay@example.com\r\nTo: x@example.com\r\nSubject: later\r\n\r\nbody\r\n");
        assertEquals("at once", smtp.awaitMessage().subject(), "a complete JSON job needs no minimum age");
        relay.awaitFile("sent", "a-job.json");
        assertTrue(Files.exists(relay.outbox().resolve("b-message.eml")), "a message changed less than min-age ago waits");
        assertEquals(1, smtp.messages().size());
    }

    @Test
    void slowWriterIsNotPickedUpHalfWritten() throws Exception {
        relay = TestRelay.forServer(home, smtp).with("relay.outbox.min-age", "1s").start();
        Thread writer = writeSlowly(relay.outbox().resolve("slow.json"),
                "{\"to\": \"x@example.com\", \"subject\": \"slow\", \"text\": \"written in pieces\"}");
        ReceivedMessage m = smtp.awaitMessage();
        writer.join();
        assertEquals("slow", m.subject());
        assertEquals("written in pieces", m.part("text/plain").strip());
        assertEquals(List.of(), relay.filesIn("failed"), "never taken while incomplete");
    }

    @Test
    void slowMessageWriterIsNotPickedUpHalfWritten() throws Exception {
        // a message has no end to see (cut anywhere, it is still a message): only relay.outbox.min-age keeps it
        relay = TestRelay.forServer(home, smtp).with("relay.outbox.min-age", "1s").start();
        Thread writer = writeSlowly(relay.outbox().resolve("slow.eml"), "From: relay@example.com\r\n"
                + "To: x@example.com\r\nSubject: slow message\r\n\r\nfirst line\r\nlast line\r\n");
        ReceivedMessage m = smtp.awaitMessage();
        writer.join();
        assertEquals("slow message", m.subject());
        assertTrue(m.text().contains("last line"), m.text());
        assertEquals(List.of(), relay.filesIn("failed"), "never taken while incomplete");
    }

    /**
     * A writer that ignores the rename convention: the file grows in place, 10 characters every 200 ms, while the
     * relay polls it every 100 ms.
     */
    private static Thread writeSlowly(Path file, String content) {
        Thread writer = new Thread(() -> {
            try (var out = Files.newOutputStream(file)) {
                for (int i = 0; i < content.length(); i += 10) {
                    out.write(content.substring(i, Math.min(content.length(), i + 10)).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(200); // simulates the slow writer, not a wait for a result
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        return writer;
    }

    @Test
    void captureProviderKeepsMailInDataCaptured() throws Exception {
        relay = TestRelay.in(home).with("relay.provider", "capture").start();
        relay.drop("hello.json", "{\"to\": \"someone@example.org\", \"subject\": \"Captured\", \"text\": \"kept\"}");
        Path captured = relay.data().resolve("captured");
        List<Path> files = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (var s = Files.list(captured)) {
                return s.filter(p -> p.toString().endsWith(".eml")).toList();
            }
        }, l -> !l.isEmpty());
        String eml = Files.readString(files.get(0), StandardCharsets.UTF_8);
        assertTrue(eml.contains("Subject: Captured"), eml);
        assertTrue(eml.contains("X-Envelope-To: someone@example.org"), eml);
        relay.awaitFile("sent", "hello.json");
        assertNotNull(relay.awaitEvent(e -> "sent".equals(e.path("status").asText())));
    }
}
