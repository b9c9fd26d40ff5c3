package org.outboxrelay.state;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ChildJvm;

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
        List<String> command = ChildJvm.shortLived(List.of());
        command.add(Writer.class.getName());
        command.add(dir.toString());
        Process writer = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> written = new ArrayList<>();
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (written.size() < JOBS && (line = out.readLine()) != null) {
                if (line.startsWith(Writer.SENT)) {
                    written.add(line.substring(Writer.SENT.length()));
                } else {
                    output.add(line);
                }
            }
            // killed while it goes on writing: what it reported before is what must be there
            writer.destroyForcibly();
            assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(JOBS, written.size(), "the writer stopped early: " + output);
        List<String> missing = new ArrayList<>();
        try (JdbcJobStateStore store = JdbcJobStateStore.embedded(dir)) {
            for (String id : written) {
                if (store.find(id).map(r -> r.status() != JobStatus.SENT).orElse(true)) {
                    missing.add(id);
                }
            }
        }
        assertEquals(List.of(), missing, missing.size() + " of " + JOBS + " jobs recorded sent were not after the kill");
    }

    /** Admits and records sent one job after another, and says so after each write returned. */
    public static final class Writer {

        static final String SENT = "sent ";

        public static void main(String[] args) {
            JdbcJobStateStore store = JdbcJobStateStore.embedded(Path.of(args[0]));
            for (int i = 0; ; i++) {
                String id = "crash-" + i;
                store.insertQueued(StoreFixtures.job(id, "jms", "a-" + i), Instant.now());
                StoreFixtures.sent(store, id, "a-" + i, 1, "<" + id + "@example.com>", "250 ok", 1, null,
                        List.of("someone@example.com"), Instant.now());
                System.out.println(SENT + id);
                System.out.flush();
            }
        }
    }
}
