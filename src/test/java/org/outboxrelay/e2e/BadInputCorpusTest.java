package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.StreamMessage;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input corpus (src/test/resources/bad-input/: what a careful attacker tries - files, and the JMS message
 * kinds of jms-kinds.txt) run against every channel: each file dropped into the outbox, sent to mail.jobs and
 * posted to the HTTP API; each JMS kind sent to mail.jobs. Every one must end with its reason where a person
 * sees it - outbox/failed/ beside NAME.error.json, mail.dead with failureReason, an HTTP 4xx problem+json - as
 * expected.txt says; the good jobs sent between them must arrive exactly once, and nothing else.
 */
class BadInputCorpusTest {

    static final Path CORPUS = Path.of("src/test/resources/bad-input");
    static final int MAX_BYTES = 65536;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    final List<String> good = new ArrayList<>();

    /** One line of expected.txt or jms-kinds.txt: the input, HTTP status, and a part of the reason. */
    record Expected(String name, int httpStatus, String reason, String httpReason) {
    }

    @BeforeEach
    void start() throws Exception {
        Path attachments = Files.createDirectories(home.resolve("attachments"));
        Files.writeString(attachments.resolve("a.pdf"), "%PDF-1.4");
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.limits.max-message-bytes", String.valueOf(MAX_BYTES))
                .with("relay.attachments.dir", attachments.toString()).start();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    @Test
    void everyBadInputGetsItsReasonOnEveryChannelAndTheGoodJobsArriveOnce() throws Exception {
        Map<String, Expected> files = read("expected.txt");
        Map<String, Expected> kinds = read("jms-kinds.txt");
        List<String> inCorpus;
        try (Stream<Path> s = Files.list(CORPUS)) {
            inCorpus = s.map(p -> p.getFileName().toString()).filter(n -> n.matches(".*\\.(json|eml)")).sorted().toList();
        }
        assertEquals(inCorpus, List.copyOf(files.keySet()), "expected.txt names every file of the corpus, in order");

        ApiClient api = relay.api();
        Map<String, ApiClient.Response> answers = new TreeMap<>();
        Map<String, String> jmsIds = new TreeMap<>(); // dead letter jobId -> input
        int n = 0;
        try (Connection c = relay.connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = s.createProducer(s.createQueue("mail.jobs"));
            for (String name : files.keySet()) {
                byte[] content = Files.readAllBytes(CORPUS.resolve(name));
                boolean raw = name.endsWith(".eml");
                answers.put(name, api.post("/api/v1/mails", raw ? "message/rfc822" : "application/json", content));
                relay.drop(name, content);
                BytesMessage m = s.createBytesMessage();
                m.writeBytes(content);
                if (!raw) {
                    m.setStringProperty("contentType", "application/json");
                }
                String id = "corpus-" + name;
                m.setStringProperty("jobId", id);
                producer.send(m);
                jmsIds.put(id, name);
                sendGood(api, s, producer, n++);
            }
            for (String kind : kinds.keySet()) {
                Message m = jmsKind(s, kind);
                producer.send(m);
                String id = m.getStringProperty("jobId") != null && m.getStringProperty("jobId").startsWith("kind-")
                        ? m.getStringProperty("jobId") : "jms-" + m.getJMSMessageID().replaceFirst("^ID:", "");
                jmsIds.put(id, kind);
                sendGood(api, s, producer, n++);
            }
        }

        // the good jobs, each once
        List<ReceivedMessage> received = smtp.awaitMessages(good.size(), Duration.ofSeconds(60));
        List<String> problems = new ArrayList<>();

        // outbox: each file in outbox/failed/ beside its reason
        for (String name : files.keySet()) {
            relay.awaitFile("failed", name + ".error.json");
        }
        for (Expected e : files.values()) {
            JsonNode report = JSON.readTree(relay.read("failed", e.name() + ".error.json"));
            check(problems, "outbox " + e.name(), report.path("reason").asText(), e.reason());
            if (!Arrays.equals(Files.readAllBytes(CORPUS.resolve(e.name())),
                    Files.readAllBytes(relay.outbox().resolve("failed").resolve(e.name())))) {
                problems.add("outbox " + e.name() + ": the original is not kept intact in outbox/failed/");
            }
        }
        // HTTP: a 4xx problem+json naming what is wrong
        for (Expected e : files.values()) {
            ApiClient.Response r = answers.get(e.name());
            if (r.status() != e.httpStatus() || !"application/problem+json".equals(r.contentType())) {
                problems.add("http " + e.name() + ": expected " + e.httpStatus() + " problem+json, got " + r);
            } else {
                check(problems, "http " + e.name(), r.json().path("detail").asText(), e.httpReason());
            }
        }
        // JMS: each on mail.dead with its reason
        Map<String, String> dead;
        try {
            dead = await().atMost(Duration.ofSeconds(30)).until(() -> deadReasons(jmsIds),
                    d -> d.keySet().containsAll(jmsIds.keySet()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            dead = deadReasons(jmsIds); // the missing ones are reported below, with the rest
        }
        for (Map.Entry<String, String> id : jmsIds.entrySet()) {
            Expected e = files.containsKey(id.getValue()) ? files.get(id.getValue()) : kinds.get(id.getValue());
            check(problems, "jms " + id.getValue(), dead.containsKey(id.getKey()) ? dead.get(id.getKey())
                    : "(not on mail.dead)", e.reason());
        }

        List<String> subjects = received.stream().map(ReceivedMessage::subject).sorted().toList();
        List<String> expectedSubjects = good.stream().sorted().toList();
        if (!subjects.equals(expectedSubjects)) {
            problems.add("SMTP: expected the good jobs " + expectedSubjects + ", got " + subjects);
        }
        Thread.sleep(1000);
        if (smtp.messages().size() != good.size()) {
            problems.add("SMTP: " + smtp.messages().size() + " messages for " + good.size() + " good jobs: "
                    + smtp.messages().stream().map(ReceivedMessage::subject).toList());
        }
        assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
        await().until(() -> relay.queueDepth("mail.jobs") == 0);
    }

    /** A good job between the bad ones, in turn on each channel. */
    private void sendGood(ApiClient api, Session s, MessageProducer producer, int n) throws Exception {
        String id = "good-" + n;
        String job = "{\"id\": \"" + id + "\", \"to\": \"a@example.com\", \"subject\": \"" + id + "\", \"text\": \"t\"}";
        switch (n % 3) {
            case 0 -> assertEquals(202, api.postJson("/api/v1/mails", job).status());
            case 1 -> relay.drop(id + ".json", job);
            default -> producer.send(s.createTextMessage(job));
        }
        good.add(id);
    }

    private static void check(List<String> problems, String what, String actual, String expectedPart) {
        if (actual == null || !actual.contains(expectedPart)) {
            problems.add(what + ": expected a reason containing \"" + expectedPart + "\", got: " + actual);
        }
    }

    /** failureReason by jobId, whole (the admin list has only the first 256 characters of a long one). */
    private Map<String, String> deadReasons(Map<String, String> ids) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (Message d : relay.deadLetters()) {
            String id = TestRelay.jobId(d);
            if (ids.containsKey(id)) {
                out.put(id, d.getStringProperty("failureReason"));
            }
        }
        return out;
    }

    /** The JMS message kinds of jms-kinds.txt: what only JMS can carry. */
    private static Message jmsKind(Session s, String kind) throws Exception {
        String job = "{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}";
        Message m;
        switch (kind) {
            case "object-message" -> m = s.createObjectMessage(new ArrayList<>(List.of(job)));
            case "map-message" -> {
                MapMessage map = s.createMapMessage();
                map.setString("to", "a@example.com");
                map.setString("subject", "s");
                m = map;
            }
            case "stream-message" -> {
                StreamMessage stream = s.createStreamMessage();
                stream.writeString(job);
                m = stream;
            }
            case "plain-message" -> m = s.createMessage();
            case "plain-message-rfc822" -> {
                m = s.createMessage();
                m.setStringProperty("contentType", "message/rfc822");
            }
            case "empty-text" -> m = s.createTextMessage("");
            case "null-text" -> m = s.createTextMessage(null);
            case "empty-bytes" -> m = s.createBytesMessage();
            case "text-rfc822-not-a-message" -> {
                m = s.createTextMessage("hello, this is not a message");
                m.setStringProperty("contentType", "message/rfc822");
            }
            case "bytes-json-binary" -> {
                BytesMessage b = s.createBytesMessage();
                b.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '{'});
                b.setStringProperty("contentType", "application/json");
                m = b;
            }
            case "text-oversized" -> m = s.createTextMessage("\"" + "x".repeat(3 * MAX_BYTES) + "\"");
            case "bytes-oversized" -> {
                BytesMessage b = s.createBytesMessage();
                b.writeBytes(new byte[MAX_BYTES + MAX_BYTES / 2]);
                m = b;
            }
            default -> {
                m = s.createTextMessage(job);
                switch (kind) {
                    case "relay-attempts-abc" -> m.setStringProperty("relayAttempts", "abc");
                    case "relay-attempts-double" -> m.setDoubleProperty("relayAttempts", 1.5);
                    case "relay-submitted-at-abc" -> m.setStringProperty("relaySubmittedAt", "abc");
                    case "relay-submitted-at-future" -> m.setLongProperty("relaySubmittedAt", Long.MAX_VALUE);
                    case "outbox-file-traversal" -> {
                        m.setStringProperty("channel", "outbox");
                        m.setStringProperty("outboxFile", "../../config/application.properties.json");
                    }
                    case "outbox-file-on-jms" -> m.setStringProperty("outboxFile", "x.json");
                    case "channel-unknown" -> m.setStringProperty("channel", "carrier-pigeon");
                    case "admission-forged" -> m.setStringProperty("relayAdmission", "admitted; DROP TABLE mail_job");
                    case "content-type-not-string" -> m.setIntProperty("contentType", 822);
                    case "job-id-too-long" -> m.setStringProperty("jobId", "L".repeat(200));
                    case "job-id-with-space" -> m.setStringProperty("jobId", "has space");
                    case "job-id-not-string" -> m.setBooleanProperty("jobId", true);
                    default -> throw new IllegalArgumentException("jms-kinds.txt names a kind the test does not know: "
                            + kind);
                }
            }
        }
        if (!kind.startsWith("job-id-")) {
            m.setStringProperty("jobId", "kind-" + kind);
        }
        return m;
    }

    /** Lines of NAME TAB HTTP-STATUS TAB REASON [TAB HTTP-REASON]; # starts a comment. */
    private static Map<String, Expected> read(String file) throws Exception {
        Map<String, Expected> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(CORPUS.resolve(file), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            out.put(f[0], new Expected(f[0], Integer.parseInt(f[1]), f[2], f.length > 3 ? f[3] : f[2]));
        }
        return out;
    }
}
