package org.outboxrelay.e2e;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.Reports;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounce reader against a real IMAP server in-process (GreenMail) holding reports written from the RFCs and
 * the providers' shapes, about jobs the relay really sent: each ends as the issue says - on the job's status, as
 * events, on the suppression list, moved or left in the mailbox - and a restart handles none of them twice.
 */
class BounceTest {

    static final String ACCOUNT = "news@example.com";
    static final String PASSWORD = "mailbox-password";

    @TempDir
    Path home;
    GreenMail imap;
    GreenMailUser mailbox;
    TestSmtpServer smtp;
    TestRelay relay;
    ApiClient api;

    @BeforeEach
    void start() throws Exception {
        imap = new GreenMail(ServerSetupTest.IMAP.dynamicPort());
        imap.start();
        mailbox = imap.setUser(ACCOUNT, ACCOUNT, PASSWORD);
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.node.id", "bounce-node")
                .with("relay.smtp.from", ACCOUNT)
                .with("relay.bounces.enabled", "true")
                .with("relay.bounces.host", "127.0.0.1")
                .with("relay.bounces.port", String.valueOf(imap.getImap().getPort()))
                .with("relay.bounces.security", "none")
                .with("relay.bounces.username", ACCOUNT)
                .with("relay.bounces.password", PASSWORD)
                .with("relay.bounces.poll-interval", "300ms")
                .with("relay.bounces.rate-minimum-sent", "1")
                .with("relay.suppression.soft-bounce-limit", "2");
        api = relay.start().api();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
        imap.stop();
    }

    /** Sends a job to one recipient and returns the Message-ID the relay set. */
    private String send(String id, String to) {
        assertEquals(202, api.postJson("/api/v1/mails", "{\"id\": \"" + id + "\", \"to\": \"" + to + "\","
                + " \"subject\": \"Subject of " + id + "\", \"text\": \"t\"}").status());
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            ApiClient.Response r = api.get("/api/v1/mails/" + id);
            return r.status() == 200 && "sent".equals(r.json().path("status").asText())
                    ? r.json().path("messageId").asText() : null;
        }, m -> m != null);
    }

    private void deliver(String report, String jobId, String to, String messageId, String reportId)
            throws Exception {
        deliver(Reports.about(ACCOUNT, to, messageId, "Subject of " + jobId).bytes(report, reportId));
    }

    private void deliver(byte[] raw) throws Exception {
        mailbox.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)));
    }

    /** The Message-IDs in a folder of the account's mailbox, with their \Seen flag. */
    private Map<String, Boolean> folder(String name) throws Exception {
        Map<String, Boolean> out = new LinkedHashMap<>();
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", imap.getImap().getPort(), ACCOUNT, PASSWORD);
        try {
            Folder f = store.getFolder(name);
            if (!f.exists()) {
                return out;
            }
            f.open(Folder.READ_ONLY);
            for (Message m : f.getMessages()) {
                if (!m.isSet(Flags.Flag.DELETED)) {
                    out.put(m.getHeader("Message-ID")[0], m.isSet(Flags.Flag.SEEN));
                }
            }
            f.close(false);
        } finally {
            store.close();
        }
        return out;
    }

    private JsonNode status(String id) {
        return api.get("/api/v1/mails/" + id).json();
    }

    private List<String> suppressed() {
        List<String> out = new java.util.ArrayList<>();
        api.get("/api/v1/admin/suppression").json().forEach(e -> out.add(e.path("address").asText() + " "
                + e.path("reason").asText()));
        return out;
    }

    @Test
    void eachReportEndsAsTheIssueSaysAndARestartHandlesNoneTwice() throws Exception {
        String outlook = send("j-outlook", "gone1@example.net");
        String text = send("j-text", "gone2@example.net");
        String postfix = send("j-postfix", "gone3@example.net");
        String gmail = send("j-gmail", "gone4@gmail.example");
        String slow = send("j-slow", "slow@example.net");
        String complaint = send("j-complaint", "ann@hotmail.example");
        String away = send("j-away", "away@example.org");
        String policy = send("j-policy", "fine@example.net");
        smtp.awaitMessages(8, Duration.ofSeconds(10));

        try (LogCapture log = LogCapture.start()) {
            deliver("outlook-ndr.eml", "j-outlook", "gone1@example.net", outlook, "r-outlook");
            deliver("outlook-ndr-text-only.eml", "j-text", "gone2@example.net", text, "r-text");
            deliver("postfix-dsn.eml", "j-postfix", "gone3@example.net", postfix, "r-postfix");
            deliver("gmail-dsn.eml", "j-gmail", "gone4@gmail.example", gmail, "r-gmail");
            deliver("postfix-delay.eml", "j-slow", "slow@example.net", slow, "r-delay-1");
            deliver("arf-complaint.eml", "j-complaint", "ann@hotmail.example", complaint, "r-complaint");
            deliver("out-of-office.eml", "j-away", "away@example.org", away, "r-away");
            deliver("postfix-dsn.eml", "nothing", "someone@example.net", "<never-sent-by-the-relay@example.com>",
                    "r-never-sent");
            // a policy refusal (Microsoft's block list) is a bounce, but not the address's fault
            deliver(new String(Reports.about(ACCOUNT, "fine@example.net", policy, "Subject of j-policy")
                    .bytes("postfix-dsn.eml", "r-policy"), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("Status: 5.1.1", "Status: 5.7.1").getBytes(java.nio.charset.StandardCharsets.UTF_8));

            // handled reports move to the processed folder; the others stay where they are
            await().atMost(Duration.ofSeconds(60)).until(() -> folder("Bounces").size() == 7);
            Map<String, Boolean> inbox = folder("INBOX");
            assertEquals(List.of("<r-away@reports.test>", "<r-never-sent@reports.test>"), inbox.keySet().stream()
                    .sorted().toList(), "left: the out-of-office reply and the report about mail the relay never sent");
            assertFalse(inbox.get("<r-away@reports.test>"), "an out-of-office reply is not even fetched");

            // each job's status
            JsonNode bounced = status("j-outlook").path("recipients").path("bounced").get(0);
            assertEquals("gone1@example.net", bounced.path("address").asText());
            assertEquals("5.1.10", bounced.path("status").asText());
            assertEquals("failed", bounced.path("action").asText());
            assertTrue(bounced.path("diagnostic").asText().contains("RecipientNotFound"), bounced.toString());
            assertEquals("sent", status("j-outlook").path("status").asText(), "the SMTP server did accept it");
            // each recipient's own status, as the console shows it, says what became of it
            assertEquals("bounced", status("j-postfix").path("recipientStatus").get(0).path("status").asText());
            assertEquals("delayed", status("j-slow").path("recipientStatus").get(0).path("status").asText());
            assertEquals("complained", status("j-complaint").path("recipientStatus").get(0).path("status").asText());
            assertEquals("5.1.1", status("j-text").path("recipients").path("bounced").get(0).path("status").asText());
            assertEquals("5.1.1", status("j-postfix").path("recipients").path("bounced").get(0).path("status").asText());
            assertTrue(status("j-gmail").path("recipients").path("bounced").get(0).path("diagnostic").asText()
                    .contains("does not exist"));
            assertEquals("4.4.1", status("j-slow").path("recipients").path("delayed").get(0).path("status").asText());
            assertEquals("ann@hotmail.example", status("j-complaint").path("recipients").path("complained").get(0)
                    .path("address").asText());
            assertFalse(status("j-away").path("recipients").has("bounced"));
            assertEquals("5.7.1", status("j-policy").path("recipients").path("bounced").get(0).path("status").asText());

            // the suppression list: hard bounces and the complaint; not the delay (yet), not the policy refusal
            assertEquals(List.of("ann@hotmail.example complaint", "gone1@example.net hard-bounce",
                    "gone2@example.net hard-bounce", "gone3@example.net hard-bounce", "gone4@gmail.example hard-bounce"),
                    suppressed().stream().sorted().toList());

            // events
            for (String job : List.of("j-outlook", "j-text", "j-postfix", "j-gmail", "j-slow", "j-policy")) {
                JsonNode e = relay.awaitEvent(TestRelay.status(job, "bounced"));
                assertEquals(1, e.path("recipients").path("refused").size(), e.toString());
            }
            JsonNode hard = relay.awaitEvent(TestRelay.status("j-postfix", "bounced"));
            assertEquals("hard", hard.path("recipients").path("refused").get(0).path("kind").asText());
            assertEquals("hard-bounce", hard.path("recipients").path("refused").get(0).path("suppressed").asText());
            assertEquals("soft", relay.awaitEvent(TestRelay.status("j-slow", "bounced")).path("recipients")
                    .path("refused").get(0).path("kind").asText());
            JsonNode complained = relay.awaitEvent(TestRelay.status("j-complaint", "complained"));
            assertEquals("complaint", complained.path("recipients").path("refused").get(0).path("suppressed").asText());
            assertTrue(relay.eventsFor("j-away").stream().noneMatch(e -> e.path("status").asText().equals("bounced")));

            // a second delay of the same address reaches relay.suppression.soft-bounce-limit (2)
            deliver("postfix-delay.eml", "j-slow", "slow@example.net", slow, "r-delay-2");
            await().atMost(Duration.ofSeconds(30)).until(() -> suppressed().contains("slow@example.net soft-bounces"));

            // metrics and health
            String metrics = api.get("/observe/metrics").body();
            assertTrue(metrics.contains("outbox_relay_bounces_total{kind=\"hard\",node=\"bounce-node\"} 5.0"), metrics);
            assertTrue(metrics.contains("outbox_relay_bounces_total{kind=\"soft\",node=\"bounce-node\"} 2.0"), metrics);
            assertTrue(metrics.contains("outbox_relay_complaints_total{node=\"bounce-node\"} 1.0"), metrics);
            assertTrue(metrics.contains("outbox_relay_bounce_reports_total{node=\"bounce-node\",outcome=\"uncorrelated\"} 1.0"), metrics);
            assertTrue(metrics.contains("outbox_relay_bounce_reports_total{node=\"bounce-node\",outcome=\"not-a-report\"}") == false,
                    "the out-of-office reply was never fetched");
            assertTrue(metrics.contains("outbox_relay_bounce_rate{account=\"news@example.com\",node=\"bounce-node\"} 0.625"), metrics);
            ApiClient.Response health = api.get("/observe/health/ready?exposureLevel=full&data=true");
            assertEquals(200, health.status(), "readiness stays up: " + health);
            assertTrue(health.body().contains("bounce rate 62.5% over the last day (5 of 8 recipients) is above 5.0%"),
                    health.body());

            assertEquals(1, log.lines().stream().filter(l -> l.contains("r-never-sent@reports.test")).count(),
                    log.all());
        }

        // a restart: nothing handled twice, also a report whose move did not happen (put back in the inbox)
        byte[] again = Reports.about(ACCOUNT, "gone3@example.net", postfix, "Subject of j-postfix")
                .bytes("postfix-dsn.eml", "r-postfix");
        relay.restart();
        deliver(again);
        await().atMost(Duration.ofSeconds(30)).until(() -> !folder("INBOX").containsKey("<r-postfix@reports.test>"));
        assertEquals(2, folder("INBOX").size());
        assertEquals(1, status("j-postfix").path("recipients").path("bounced").size(), "recorded once");
        assertTrue(relay.eventsFor("j-postfix").isEmpty(), "no second event: " + relay.eventsFor("j-postfix"));
        String metrics = api.get("/observe/metrics").body();
        assertFalse(metrics.contains("outbox_relay_bounces_total{kind=\"hard\",node=\"bounce-node\"}"), "not counted again: " + metrics);
    }

    @Test
    void aJobToABouncedAddressIsNotSentAgain() throws Exception {
        String id = send("first", "gone@example.net");
        deliver("postfix-dsn.eml", "first", "gone@example.net", id, "r-first");
        await().atMost(Duration.ofSeconds(30)).until(() -> suppressed().contains("gone@example.net hard-bounce"));
        api.postJson("/api/v1/mails", "{\"id\": \"second\", \"to\": [\"gone@example.net\", \"ok@example.net\"],"
                + " \"subject\": \"s\", \"text\": \"t\"}");
        List<ReceivedMessage> m = smtp.awaitMessages(2, Duration.ofSeconds(30));
        assertEquals(List.of("ok@example.net"), m.get(1).recipients());
        await().until(() -> "sent".equals(status("second").path("status").asText()));
        assertEquals("hard-bounce", status("second").path("recipients").path("suppressed").get(0).path("reason")
                .asText());
    }
}
