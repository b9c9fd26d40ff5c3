package org.outboxrelay.ingest;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.InvalidSettingsException;
import org.outboxrelay.testing.RelayProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several relays of a cluster never share one outbox folder: the second one stops at start, saying why. */
class OutboxFolderLockTest {

    @TempDir
    Path dir;

    @Test
    void aFolderHeldByOneRelayIsRefusedToASecondAndFreedWhenTheFirstStops() throws Exception {
        OutboxFolderLock first = new OutboxFolderLock(dir, "node-a");
        first.start();
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> new OutboxFolderLock(dir, "node-b").start());
        assertTrue(e.getMessage().contains("node node-a"), e.getMessage());
        assertTrue(e.getMessage().contains("give each relay its own relay.outbox.dir"), e.getMessage());
        first.stop();
        OutboxFolderLock second = new OutboxFolderLock(dir, "node-b");
        second.start();
        second.stop();
    }

    @Test
    void aRelayStartedOnAFolderAnotherProcessHoldsExitsWithCode2() throws Exception {
        Path outbox = dir.resolve("shared-outbox");
        java.nio.file.Files.createDirectories(outbox);
        OutboxFolderLock held = new OutboxFolderLock(outbox, "node-a");
        held.start();
        try {
            RelayProcess relay = new RelayProcess(dir.resolve("relay-b")).with("relay.outbox.dir", outbox.toString())
                    .with("relay.node.id", "node-b").with("relay.capture.port", "0");
            RelayProcess.Exit exit = relay.runToExit(Duration.ofSeconds(90));
            assertEquals(2, exit.code(), exit.output());
            assertTrue(exit.output().contains("is taken by another relay (node node-a"), exit.output());
        } finally {
            held.stop();
        }
    }
}
