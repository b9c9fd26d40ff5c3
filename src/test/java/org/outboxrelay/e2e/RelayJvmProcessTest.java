package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.RelayProcess;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay in the JVM it was started in by {@code java -jar} (RelayJvm): it never outlives the JVM that started
 * it, and with the serial collector an idle relay still gives its heap back.
 */
class RelayJvmProcessTest {

    @TempDir
    Path home;

    @Test
    void theRelayStopsWhenTheJvmThatStartedItIsGone() throws Exception {
        Process launcher = new ProcessBuilder("sleep", "600").start(); // stands in for the launching JVM
        try (RelayProcess relay = new RelayProcess(home)
                .jvmArgs("-Xmx256m", "-XX:+UseSerialGC", "-Doutbox.relay.launcher=" + launcher.pid()).start()) {
            launcher.destroyForcibly().waitFor(); // SIGKILL: no chance to pass anything on
            assertEquals(0, relay.awaitExit(Duration.ofSeconds(60)));
            assertTrue(Files.readString(relay.log()).contains("The JVM that started the relay is gone: stopping"));
        } finally {
            launcher.destroyForcibly();
        }
    }

    @Test
    void withTheSerialCollectorAnIdleRelayCollectsOnceToGiveItsHeapBack() throws Exception {
        try (RelayProcess relay = new RelayProcess(home).with("relay.memory.release-interval", "1s")
                .jvmArgs("-Xmx256m", "-XX:+UseSerialGC", "-Xlog:gc:file=" + home.resolve("gc.log")).start()) {
            assertTrue(Files.readString(relay.log()).contains("An idle relay gives memory back every 1s: unused heap"
                    + " (a full collection after a whole interval without any)"), "says so at start");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readString(home.resolve("gc.log")).contains("Pause Full (System.gc())"));
            assertEquals(0, relay.terminate(Duration.ofSeconds(60)));
        }
    }
}
