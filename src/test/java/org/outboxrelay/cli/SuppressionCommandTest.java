package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.Settings;
import org.outboxrelay.suppression.SuppressionClient;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code suppression list|add|remove|import|export} against a running relay, through its admin API. */
class SuppressionCommandTest {

    @TempDir
    static Path home;
    static TestSmtpServer smtp;
    static TestRelay relay;
    static SuppressionClient client;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).start();
        // as `java -jar outbox-relay.jar suppression` finds the relay: relay.http.port and an admin token
        Map<String, String> config = Map.of("relay.http.port", String.valueOf(relay.api().port()),
                "relay.http.tokens", TestRelay.API_TOKEN);
        client = SuppressionClient.of(new Settings(k -> Optional.ofNullable(config.get(k))));
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return SuppressionCommand.run(client, List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void addListRemoveImportExport() throws Exception {
        assertEquals(0, run("add", "a@example.org", "b@example.org", "--detail", "asked by phone"), err.toString());
        assertTrue(out().contains("added a@example.org") && out().contains("added b@example.org"), out());
        assertEquals(0, run("add", "a@example.org"));
        assertTrue(out().contains("already there: a@example.org"), out());
        assertEquals(0, run("add", "c@example.org", "--list", "newsletter", "--reason", "unsubscribe"));

        assertEquals(0, run("list"));
        assertTrue(out().contains("3 entries") && out().contains("asked by phone"), out());
        assertEquals(0, run("list", "--list", "newsletter"));
        assertTrue(out().contains("c@example.org") && out().contains("1 entry"), out());

        Path csv = home.resolve("list.csv");
        assertEquals(0, run("export", csv.toString()));
        String exported = Files.readString(csv);
        assertTrue(exported.startsWith("address,list,reason,detail,created_at\n"), exported);
        assertTrue(exported.contains("c@example.org,newsletter,unsubscribe"), exported);

        assertEquals(0, run("remove", "a@example.org"));
        assertEquals(1, run("remove", "a@example.org"), "not there any more");
        assertTrue(out().contains("not on the list: a@example.org"), out());

        Path in = Files.writeString(home.resolve("in.csv"), "address,reason\nd@example.org,complaint\nbad,\n");
        assertEquals(2, run("import", in.toString()), "a bad line: exit 2");
        assertTrue(out().contains("added 1"), out());
        assertTrue(err.toString().contains(in + ":3: no valid address"), err.toString());
        assertEquals(0, run("list", "--address", "d@example.org"));
        assertTrue(out().contains("complaint"), out());

        assertEquals(2, run("add", "not-an-address"), "the relay says 400: exit 2");
        assertTrue(err.toString().contains("must be an e-mail address"), err.toString());
        assertEquals(2, run(), "no subcommand");
        assertEquals(2, run("frobnicate"));
    }

    @Test
    void aRelayThatDoesNotAnswerIsAFailureThatSaysWhere() {
        SuppressionClient nowhere = SuppressionClient.of(new Settings(k -> k.equals("relay.http.port")
                ? Optional.of(String.valueOf(TestRelay.freePort())) : Optional.empty()));
        int code = SuppressionCommand.run(nowhere, List.of("list"), new PrintStream(out), new PrintStream(err));
        assertEquals(1, code);
        assertTrue(err.toString().contains("does not answer"), err.toString());
    }
}
