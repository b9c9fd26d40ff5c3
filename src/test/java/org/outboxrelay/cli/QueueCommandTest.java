package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.Settings;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestSmtpServer.Stage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `queue status` and `queue dead list|show|retry|purge` against a running relay: over its broker's network acceptor,
 * and with no settings at all through its admin socket in data/.
 */
class QueueCommandTest {

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    Map<String, String> settings;

    @BeforeEach
    void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.broker.listen", "127.0.0.1:" + port)
                .with("relay.broker.user", "app").with("relay.broker.password", "app-pw")
                .with("relay.broker.admin-user", "ops").with("relay.broker.admin-password", "ops-pw")
                .with("relay.retry.initial-delay", "1h").with("relay.retry.max-delay", "1h").start();
        settings = Map.of("relay.broker.listen", "127.0.0.1:" + port, "relay.broker.user", "app",
                "relay.broker.password", "app-pw", "relay.broker.admin-user", "ops", "relay.broker.admin-password",
                "ops-pw");
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    private String[] queue(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new QueueCommand(new Settings(k -> Optional.ofNullable(settings.get(k))),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(List.of(args));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void showsTheQueuesAndRetriesAndPurgesDeadLetters() throws Exception {
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 User unknown");
        smtp.failNext(Stage.MAIL, 451, "4.7.1 later", 1);
        relay.sendJson("{\"to\": \"x@example.com\", \"subject\": \"deferred\", \"text\": \"t\"}", Map.of("jobId", "waiting"));
        relay.awaitEvent(TestRelay.status("waiting", "deferred"));
        relay.sendJson("{\"to\": \"gone@example.com\", \"subject\": \"dead one\", \"text\": \"t\"}", Map.of("jobId", "dead-1"));
        relay.sendJson("{\"to\": \"gone@example.com\", \"subject\": \"dead two\", \"text\": \"t\"}", Map.of("jobId", "dead-2"));
        relay.awaitEvent(TestRelay.status("dead-1", "failed"));
        relay.awaitEvent(TestRelay.status("dead-2", "failed"));

        String[] status = queue("status");
        assertEquals("0", status[0], status[2]);
        assertTrue(status[1].matches("(?s).*mail\\.jobs\\s+1\\s+1\\s+0m\\s+1\\s+0.*"), status[1]);
        assertTrue(status[1].matches("(?s).*mail\\.dead\\s+2\\s+0\\s+0m\\s+2.*"), status[1]);

        String[] list = queue("dead", "list");
        assertTrue(list[1].contains("dead-1") && list[1].contains("dead-2"), list[1]);
        assertTrue(list[1].contains("550 5.1.1 User unknown"), list[1]);

        String[] show = queue("dead", "show", "dead-1");
        assertTrue(show[1].contains("\"subject\": \"dead one\""), show[1]);
        assertTrue(show[1].contains("SMTP reply:   550 5.1.1 User unknown"), show[1]);

        smtp.clearRefusals();
        assertEquals("0", queue("dead", "retry", "dead-1")[0]);
        relay.awaitEvent(TestRelay.status("dead-1", "sent"));
        assertEquals("dead one", smtp.awaitMessage().subject());

        String[] purge = queue("dead", "purge", "--all");
        assertTrue(purge[1].startsWith("1 dead letter(s) deleted"), purge[1]);
        await().until(() -> relay.deadLetters().isEmpty());
        assertEquals("1", queue("dead", "show", "dead-2")[0], "gone");
    }

    @Test
    void withoutANetworkLoginItUsesTheSocketOfTheRelayInItsFolder() throws Exception {
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 User unknown");
        relay.sendJson("{\"to\": \"gone@example.com\", \"subject\": \"dead one\", \"text\": \"t\"}", Map.of("jobId", "dead/1"));
        relay.sendJson("{\"to\": \"gone@example.com\", \"subject\": \"dead two\", \"text\": \"t\"}", Map.of("jobId", "dead+2"));
        relay.awaitEvent(TestRelay.status("dead/1", "failed"));
        relay.awaitEvent(TestRelay.status("dead+2", "failed"));
        // nothing but the relay's folder: no broker address, no login
        settings = Map.of("relay.data.dir", relay.data().toString());

        String[] status = queue("status");
        assertEquals("0", status[0], status[2]);
        assertTrue(status[1].matches("(?s).*mail\\.dead\\s+2\\s+0\\s+0m\\s+2.*"), status[1]);
        String[] list = queue("dead", "list");
        assertTrue(list[1].contains("dead/1") && list[1].contains("dead+2"), list[1]);
        String[] show = queue("dead", "show", "dead/1");
        assertEquals("0", show[0], show[2]);
        assertTrue(show[1].contains("SMTP reply:   550 5.1.1 User unknown"), show[1]);
        assertTrue(show[1].contains("\"subject\": \"dead one\""), show[1]);

        smtp.clearRefusals();
        assertEquals("0", queue("dead", "retry", "dead/1")[0]);
        relay.awaitEvent(TestRelay.status("dead/1", "sent"));
        assertEquals("1", queue("dead", "purge", "no-such-job")[0]);
        String[] purge = queue("dead", "purge", "dead+2");
        assertTrue(purge[1].startsWith("1 dead letter(s) deleted"), purge[1] + purge[2]);
        assertTrue(queue("dead", "list")[1].contains("mail.dead is empty"));
    }

    @Test
    void withNoRelayInItsFolderItSaysHowToReachOne() {
        settings = Map.of("relay.data.dir", home.resolve("elsewhere").toString());
        String[] r = queue("status");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no relay runs in this folder"), r[2]);
        assertTrue(r[2].contains("relay.broker.listen with relay.broker.user and relay.broker.password"), r[2]);
    }
}
