package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.Settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as picocli builds it: generated help, suggestions for typing errors, the contract's exit codes. */
class RelayCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return RelayCli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        assertEquals(0, run("--help"));
        for (String command : List.of("run", "login", "render", "check", "queue", "doctor", "help")) {
            assertTrue(out().contains("\n  " + command + " "), command + " in:\n" + out());
        }
        assertTrue(out().contains("Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage"), out());

        out.reset();
        assertEquals(0, run("help", "doctor"));
        assertTrue(out().startsWith("Usage: outbox-relay doctor [-h]"), out());
        out.reset();
        assertEquals(0, run("queue", "dead", "--help"));
        assertTrue(out().contains("retry") && out().contains("purge"), out());
    }

    @Test
    void aMistypedCommandGetsASuggestionAndExitsTwo() {
        assertEquals(2, run("doctr"));
        assertTrue(err().contains("Unmatched argument at index 0: 'doctr'"), err());
        assertTrue(err().contains("Did you mean: outbox-relay doctor?"), err());
        assertTrue(err().contains("Usage: outbox-relay [-h] [COMMAND]"), err());

        err.reset();
        assertEquals(2, run("render", "--tempalte", "welcome"));
        assertTrue(err().contains("--template"), err());
    }

    @Test
    void queueSubcommandsCheckTheirArguments() {
        Settings none = new Settings(k -> Optional.empty());
        QueueCommand queue = new QueueCommand(none, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, queue.run(List.of("statsu")));
        assertTrue(err().contains("Did you mean: queue status?"), err());

        err.reset();
        assertEquals(2, queue.run(List.of("dead", "retry")));
        assertTrue(err().contains("give an ID or --all"), err());
        err.reset();
        assertEquals(2, queue.run(List.of("dead", "purge", "some-id", "--all")));
        err.reset();
        assertEquals(2, queue.run(List.of("dead")));
        assertTrue(err().contains("say what"), err());
    }

    @Test
    void aFailureThatIsNoUsageErrorExitsOne(@TempDir Path tmp) throws Exception {
        Path model = Files.writeString(tmp.resolve("model.json"), "{}");
        assertEquals(1, run("render", "--template", "no-such-template", "--model", model.toString(),
                "--out", tmp.resolve("preview").toString()));
        assertTrue(err().startsWith("outbox-relay: "), err());
        assertEquals(2, run("render", "--template", "welcome", "--model", tmp.resolve("missing.json").toString()));
    }
}
