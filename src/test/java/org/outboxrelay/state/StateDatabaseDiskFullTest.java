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
 * H2 fails its writes on a full disk (and may close its database for good); the job store must open it again by itself
 * once there is space (the relay is not restarted), with what it had written. Needs root to mount a 16 MB tmpfs:
 * skipped otherwise.
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
            // writes until one fails for want of space: each commit is written to the file before it returns, so
            // H2 says so either at that commit (its write failed) or, once it gave up on its file, with "the
            // database has been closed" (90098); the store opens the database again on either
            boolean failedByH2 = false;
            for (int i = 0; i < 5000 && !failedByH2; i++) {
                try {
                    store.insertFailed(StoreFixtures.job("full-" + i, "jms", "t"), 1, "r".repeat(3900), Instant.now());
                } catch (StateStoreException e) {
                    failedByH2 = saysClosed(e) || StateDatabase.writeFailed(e);
                }
            }
            assertTrue(failedByH2, "the disk was not full enough for a write of H2 to fail");
            // used again while the disk is still full (the relay's tickers read the store every second): opening
            // the database again must not lose what it held
            for (int i = 0; i < 3; i++) {
                try {
                    store.find("before");
                } catch (StateStoreException stillFull) {
                    // expected while there is no space
                }
                Thread.sleep(300);
            }

            Files.delete(filler);
            // the first write may still get the failed write that H2 held back until its next commit (seen in one
            // of five full runs); that one marks the database for opening again, as "closed" does, and the store
            // works from the next use on (the relay's job is rolled back and tried again the same way)
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

    /** "The database has been closed" (90098) anywhere in the failure: its causes or what a rollback added. */
    private static boolean saysClosed(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.sql.SQLException s && s.getErrorCode() == 90098) {
                return true;
            }
            for (Throwable s : c.getSuppressed()) {
                if (saysClosed(s)) {
                    return true;
                }
            }
        }
        return false;
    }
}
