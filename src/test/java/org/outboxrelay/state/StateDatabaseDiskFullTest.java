package org.outboxrelay.state;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SQLite fails a write on a full disk (SQLITE_FULL) and rolls it back; the job store must work again by itself once
 * there is space (the relay is not restarted), with what it had written, and answer reads meanwhile. Needs root to
 * mount a 16 MB tmpfs: skipped otherwise.
 */
class StateDatabaseDiskFullTest {

    @Test
    void theStoreWorksAgainWhenSpaceReturns() throws Exception {
        Path disk = Files.createTempDirectory("small-disk");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        boolean mounted = mount.waitFor(20, TimeUnit.SECONDS) && mount.exitValue() == 0;
        try {
            assumeTrue(mounted, () -> "Skipped: this test needs a small file system (mount -t tmpfs needs root): "
                    + output);
            StateDatabase db = StateDatabase.embedded(disk.resolve("state"));
            JdbcJobStateStore store = new JdbcJobStateStore(db.dataSource(), db);
            store.insertQueued(StoreFixtures.job("before", "jms", "t"), Instant.now()); // in the file once it returns

            Path filler = disk.resolve("filler");
            byte[] chunk = new byte[1 << 20];
            try (OutputStream out = Files.newOutputStream(filler)) {
                while (true) {
                    out.write(chunk);
                }
            } catch (java.io.IOException full) {
                // as full as it gets
            }
            // writes until one fails for want of space: each commit is in the file (its log) before it returns, so
            // SQLite says so at that commit (SQLITE_FULL) and rolls the write back
            boolean full = false;
            for (int i = 0; i < 5000 && !full; i++) {
                try {
                    store.insertFailed(StoreFixtures.job("full-" + i, "jms", "t"), 1, "r".repeat(3900), Instant.now());
                } catch (StateStoreException e) {
                    full = saysFull(e);
                }
            }
            assertTrue(full, "the disk was not full enough for a write of SQLite to fail");
            // used while the disk is still full (the relay's tickers read the store every second): reads go on
            assertEquals(JobStatus.QUEUED, store.find("before").orElseThrow().status(), "read while the disk is full");
            assertTrue(db.answerProblem() == null, "the store answers while the disk is full");

            Files.delete(filler);
            // the store works again by itself, without a restart: the connections that met the failed writes were
            // replaced by new ones (EmbeddedStoreDataSource.afterFailure)
            await().atMost(Duration.ofSeconds(10)).ignoreException(StateStoreException.class).until(() -> {
                store.insertQueued(StoreFixtures.job("after", "jms", "t"), Instant.now());
                return store.find("after").isPresent();
            });
            assertEquals(JobStatus.QUEUED, store.find("before").orElseThrow().status(), "what was written is kept");
            store.close();
        } finally {
            if (mounted) {
                new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor(20, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(disk);
        }
    }

    /** SQLITE_FULL (13, "database or disk is full") anywhere in the failure: its causes or what a rollback added. */
    private static boolean saysFull(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.sql.SQLException s && (s.getErrorCode() & 0xff) == 13) {
                return true;
            }
            for (Throwable s : c.getSuppressed()) {
                if (saysFull(s)) {
                    return true;
                }
            }
        }
        return false;
    }
}
