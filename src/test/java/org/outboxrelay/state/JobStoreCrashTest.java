package org.outboxrelay.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ChildJvm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A write to the embedded job store that returned is on disk, even when the relay's process is killed (SIGKILL,
 * the kernel's OOM killer) right after it: the relay sends a job only after its admission is written, and
 * acknowledges it on the queue only after its outcome is, so a lost write would leave a sent job "queued" in every
 * status, or let a copy of it be sent again.
 */
class JobStoreCrashTest {

    private static final int JOBS = 300;

    @TempDir
    Path dir;

    @Test
    void everyWriteThatReturnedSurvivesAKill() throws Exception {
        Path store = dir.resolve("state");
        Path written = dir.resolve("written.txt");
        List<String> command = ChildJvm.shortLived(List.of());
        command.add(Writer.class.getName());
        command.add(store.toString());
        command.add(written.toString());
        Process writer = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("writer.log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !writer.isAlive() || lines(written).size() >= JOBS);
        } finally {
            // killed while it goes on writing: what it had noted before is what must be there
            writer.destroyForcibly();
            assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
        }
        List<String> ids = lines(written);
        assertTrue(ids.size() >= JOBS, "the writer stopped early: " + Files.readString(dir.resolve("writer.log")));
        List<String> missing = new ArrayList<>();
        try (JdbcJobStateStore reopened = JdbcJobStateStore.embedded(store)) {
            for (String id : ids) {
                if (reopened.find(id).map(r -> r.status() != JobStatus.SENT).orElse(true)) {
                    missing.add(id);
                }
            }
        }
        assertEquals(List.of(), missing, missing.size() + " of " + ids.size()
                + " jobs recorded sent were not after the kill");
    }

    /** Whole lines of the writer's note (the last one may be cut by the kill). */
    private static List<String> lines(Path written) throws IOException {
        if (!Files.exists(written)) {
            return List.of();
        }
        String text = Files.readString(written, StandardCharsets.UTF_8);
        List<String> ids = new ArrayList<>(List.of(text.split("\n")));
        if (!text.endsWith("\n") && !ids.isEmpty()) {
            ids.remove(ids.size() - 1);
        }
        ids.removeIf(String::isEmpty);
        return ids;
    }

    /**
     * Admits and records sent one job after another, and notes each id in a file after its writes returned (the
     * file's own writes reach the kernel at once, so they outlive the kill).
     */
    public static final class Writer {

        public static void main(String[] args) throws IOException {
            JdbcJobStateStore store = JdbcJobStateStore.embedded(Path.of(args[0]));
            Path written = Path.of(args[1]);
            for (int i = 0; ; i++) {
                String id = "crash-" + i;
                store.insertQueued(StoreFixtures.job(id, "jms", "a-" + i), Instant.now());
                StoreFixtures.sent(store, id, "a-" + i, 1, "<" + id + "@example.com>", "250 ok", 1, null,
                        List.of("someone@example.com"), Instant.now());
                Files.writeString(written, id + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
        }
    }
}
