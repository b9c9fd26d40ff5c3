package org.outboxrelay.e2e;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.cli.QueueCommandAccess;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dead letters the relay did not make itself, or made before it checked what clients send - bookkeeping
 * properties of the wrong type, an unusable jobId, a MapMessage or ObjectMessage, no properties at all, a body far
 * larger than the relay takes - are listed and shown as bad (saying what is wrong) by the admin API and the
 * {@code queue} command, and can be retried and purged with the others.
 */
class BadDeadLetterTest {

    private static final String ADMIN = "/api/v1/admin";
    private static final String JOB = "{\"to\": \"a@example.com\", \"subject\": \"%s\", \"text\": \"t\"}";

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    ApiClient api;
    Map<String, String> cli;

    @BeforeEach
    void start() throws Exception {
        int port = TestRelay.freePort();
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.broker.listen", "127.0.0.1:" + port)
                .with("relay.broker.user", "app").with("relay.broker.password", "app-pw")
                .with("relay.broker.admin-user", "ops").with("relay.broker.admin-password", "ops-pw")
                .with("relay.limits.max-message-bytes", "100000").start();
        api = relay.api();
        cli = Map.of("relay.broker.listen", "127.0.0.1:" + port, "relay.broker.admin-user", "ops",
                "relay.broker.admin-password", "ops-pw", "relay.limits.max-message-bytes", "100000");
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    @Test
    void badDeadLettersAreShownAsBadAndCanBeRetriedAndPurged() throws Exception {
        try (Connection c = relay.connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer dead = s.createProducer(s.createQueue("mail.dead"));
            // what the broker used to move here after ten rounds: a client's values of the relay's properties
            Message attempts = s.createTextMessage(JOB.formatted("attempts"));
            attempts.setStringProperty("jobId", "bad-attempts");
            attempts.setStringProperty("relayAttempts", "abc");
            attempts.setStringProperty("relaySubmittedAt", "abc");
            attempts.setStringProperty("_AMQ_ORIG_ADDRESS", "mail.jobs");
            dead.send(attempts);
            Message longId = s.createTextMessage(JOB.formatted("long id"));
            longId.setStringProperty("jobId", "L".repeat(200));
            longId.setBooleanProperty("failureReason", true);
            dead.send(longId);
            MapMessage map = s.createMapMessage();
            map.setString("to", "a@example.com");
            map.setStringProperty("jobId", "a-map");
            map.setIntProperty("channel", 7);
            dead.send(map);
            Message object = s.createObjectMessage(new ArrayList<>(List.of("x")));
            object.setStringProperty("jobId", "an-object");
            dead.send(object);
            dead.send(s.createMessage()); // nothing at all
            BytesMessage huge = s.createBytesMessage();
            huge.writeBytes(new byte[300_000]);
            huge.setStringProperty("jobId", "huge");
            dead.send(huge);
            Message good = s.createTextMessage(JOB.formatted("fine"));
            good.setStringProperty("jobId", "fine");
            good.setStringProperty("failureReason", "invalid job: something");
            dead.send(good);
        }

        // list: every letter, the bad ones saying what is wrong
        ApiClient.Response listed = api.get(ADMIN + "/dead");
        assertEquals(200, listed.status(), listed.toString());
        JsonNode list = listed.json();
        assertEquals(7, list.size(), list.toString());
        JsonNode bad = byId(list, "bad-attempts");
        assertTrue(problems(bad).contains("relayAttempts: \"abc\" is not a number of attempts"), bad.toString());
        assertTrue(bad.path("reason").asText().contains("moved here by the broker"), bad.toString());
        JsonNode longOne = find(list, d -> problems(d).contains("jobId: is longer than 128 characters"));
        assertTrue(longOne.path("id").asText().startsWith("ID:"), longOne.toString());
        assertTrue(problems(longOne).contains("failureReason: is not text"), longOne.toString());
        assertTrue(problems(byId(list, "a-map")).contains("channel: \"7\" is not one of outbox, jms, http"),
                list.toString());
        assertTrue(problems(byId(list, "huge")).startsWith("content: 300000 bytes"), list.toString());
        assertFalse(byId(list, "fine").has("problems"), list.toString());

        // show: each one, with its content when it has some a person can read
        assertEquals(JOB.formatted("attempts"), show("bad-attempts").path("content").asText());
        assertTrue(problems(show("a-map")).contains("content: a JMS MapMessage, not a job"), show("a-map").toString());
        assertTrue(problems(show("an-object")).contains("content: a JMS ObjectMessage, not a job"));
        JsonNode hugeOne = show("huge");
        assertFalse(hugeOne.has("content"), hugeOne.toString());
        assertTrue(problems(hugeOne).startsWith("content: 300000 bytes"), hugeOne.toString());
        String emptyId = find(list, d -> d.path("id").asText().startsWith("ID:") && !d.equals(longOne))
                .path("id").asText();
        assertEquals(200, api.get(ADMIN + "/dead/" + emptyId).status());

        // the queue command lists and shows them too
        String[] cliList = queue("dead", "list");
        assertEquals("0", cliList[0], cliList[2]);
        assertTrue(cliList[1].contains("bad-attempts") && cliList[1].contains("huge"), cliList[1]);
        assertTrue(cliList[1].contains("relayAttempts: \"abc\" is not a number of attempts"), cliList[1]);
        String[] cliShow = queue("dead", "show", "a-map");
        assertEquals("0", cliShow[0], cliShow[2]);
        assertTrue(cliShow[1].contains("content: a JMS MapMessage, not a job"), cliShow[1]);

        // retry all: the ones that can be a job go back to mail.jobs (the bad properties left behind); the others
        // stay, and the answer says why
        ApiClient.Response retried = api.send("POST", ADMIN + "/dead/retry?all=true");
        assertEquals(200, retried.status(), retried.toString());
        assertEquals(3, retried.json().path("retried").asInt(), retried.body());
        assertEquals(4, retried.json().path("skipped").size(), retried.body());
        relay.awaitEvent(TestRelay.status("bad-attempts", "sent"));
        relay.awaitEvent(TestRelay.status("fine", "sent"));
        await().until(() -> smtp.messages().size() == 3);
        ApiClient.Response one = api.send("POST", ADMIN + "/dead/an-object/retry");
        assertEquals(409, one.status(), one.toString());
        assertTrue(one.body().contains("a JMS ObjectMessage, not a job"), one.body());

        // purge all: every one of them, whatever it holds
        String[] purged = queue("dead", "purge", "--all");
        assertEquals("0", purged[0], purged[2]);
        assertTrue(purged[1].startsWith("4 dead letter(s) deleted"), purged[1]);
        assertEquals("[]", api.get(ADMIN + "/dead").body());
    }

    private JsonNode show(String id) {
        ApiClient.Response r = api.get(ADMIN + "/dead/" + id);
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    private static String problems(JsonNode d) {
        List<String> out = new ArrayList<>();
        d.path("problems").forEach(p -> out.add(p.asText()));
        return String.join("; ", out);
    }

    private static JsonNode byId(JsonNode list, String id) {
        return find(list, d -> id.equals(d.path("id").asText()));
    }

    private static JsonNode find(JsonNode list, java.util.function.Predicate<JsonNode> match) {
        for (JsonNode d : list) {
            if (match.test(d)) {
                return d;
            }
        }
        throw new AssertionError("not in " + list);
    }

    private String[] queue(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = QueueCommandAccess.run(k -> Optional.ofNullable(cli.get(k)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8)};
    }
}
