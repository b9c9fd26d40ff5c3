package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.RelayProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * relay.memory.release-interval, on a relay started like users start it (its own JVM, main): the JVM flags that let
 * G1 give back the heap of an idle relay are set, those the operator set on the command line are kept, and 0
 * leaves the JVM alone. (The memory it saves is measured by DeliveryBenchmark, not here.)
 */
class IdleMemoryReleaseTest {

    @TempDir
    Path home;

    @Test
    void idleRelayLetsG1GiveBackItsHeapButKeepsTheOperatorsFlags() throws Exception {
        try (RelayProcess relay = new RelayProcess(home).with("relay.memory.release-interval", "45s")
                .jvmArgs("-XX:MaxHeapFreeRatio=50", "-Dio.netty.allocator.numDirectArenas=3").start()) {
            String flags = relay.jcmd("VM.flags", "-all");
            assertTrue(flags.matches("(?s).*G1PeriodicGCInterval += 45000 .*"), flags);
            assertTrue(flags.matches("(?s).*MinHeapFreeRatio += 10 .*"), flags);
            assertTrue(flags.matches("(?s).*MaxHeapFreeRatio += 50 .*"), "the operator's value stays: " + flags);
            String properties = relay.jcmd("VM.system_properties");
            assertTrue(properties.contains("io.netty.allocator.numHeapArenas=2"), properties);
            assertTrue(properties.contains("io.netty.allocator.numDirectArenas=3"), properties);
            assertTrue(java.nio.file.Files.readString(relay.log()).contains("An idle relay gives memory back every 45s:"
                    + " unused heap (G1 periodic collection), native heap trimmed"), "says so at start");
            assertEquals(0, relay.terminate(Duration.ofSeconds(60)));
        }
    }

    @Test
    void zeroLeavesTheJvmAsItIs() throws Exception {
        try (RelayProcess relay = new RelayProcess(home).with("relay.memory.release-interval", "0s").start()) {
            String flags = relay.jcmd("VM.flags", "-all");
            assertTrue(flags.matches("(?s).*G1PeriodicGCInterval += 0 .*"), flags);
            assertTrue(flags.matches("(?s).*MaxHeapFreeRatio += 70 .*"), flags);
            assertEquals(0, relay.terminate(Duration.ofSeconds(60)));
        }
    }
}
