package org.outboxrelay.e2e;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.outboxrelay.testing.RelayProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A setting that cannot work stops the relay at start with one clear line naming it and exit code 2 - never a
 * half-started relay, never a Java stack trace; and {@code check} says the same of it. Each case runs the relay
 * as its own JVM, as users start it.
 */
class BadSettingsTest {

    @TempDir
    Path dir;

    static Stream<Arguments> settingsThatCannotWork() {
        return Stream.of(
                Arguments.of(Map.of("relay.broker.listen", "tcp://127.0.0.1:61616", "relay.broker.user", "u",
                        "relay.broker.password", "p"), "relay.broker.listen must be host:port"),
                Arguments.of(Map.of("relay.broker.listen", "127.0.0.1:70000", "relay.broker.user", "u",
                        "relay.broker.password", "p"), "relay.broker.listen must be host:port"),
                Arguments.of(Map.of("relay.broker.listen", "127.0.0.1", "relay.broker.user", "u",
                        "relay.broker.password", "p"), "relay.broker.listen must be host:port"),
                Arguments.of(Map.of("relay.http.host", "not a host!"), "relay.http.host must be a host name"),
                Arguments.of(Map.of("relay.http.port", "99999"), "relay.http.port must be between 0 and 65535"),
                Arguments.of(Map.of("relay.broker.url", "not a url"), "relay.broker.url must be an Artemis broker URL"),
                Arguments.of(Map.of("relay.provider", "smtp"), "relay.smtp.host is required with relay.provider=smtp"),
                Arguments.of(Map.of("relay.log.format", "xml"), "relay.log.format must be one of [text, json]"),
                Arguments.of(Map.of("relay.state.url", "jdbc:mysql://db/relay"), "relay.state.url must be a PostgreSQL"));
    }

    @ParameterizedTest
    @MethodSource("settingsThatCannotWork")
    void theRelayStopsWithOneLineAndCheckSaysTheSame(Map<String, String> settings, String expected) throws Exception {
        RelayProcess relay = relay("relay");
        settings.forEach(relay::with);
        RelayProcess.Exit run = relay.runToExit(Duration.ofSeconds(90));
        assertEquals(2, run.code(), run.output());
        assertTrue(run.output().contains(expected), run.output());
        assertNoStackTrace(run.output());

        RelayProcess.Exit check = relay.runToExit(Duration.ofSeconds(90), "check");
        assertEquals(2, check.code(), check.output());
        assertTrue(check.output().contains(expected), check.output());
    }

    @Test
    void aPortAnotherProgramHoldsStopsTheRelayNamingTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (String key : new String[] {"relay.http.port", "relay.capture.port"}) {
                RelayProcess relay = relay("port-" + key).with(key, String.valueOf(taken.getLocalPort()));
                RelayProcess.Exit run = relay.runToExit(Duration.ofSeconds(90));
                assertEquals(2, run.code(), run.output());
                assertTrue(run.output().contains(key + " " + taken.getLocalPort() + " cannot be used on 127.0.0.1"),
                        run.output());
                assertNoStackTrace(run.output());
                assertFalse(Files.exists(dir.resolve("port-" + key).resolve("data").resolve("broker")),
                        "nothing started before the settings were checked");
            }
            RelayProcess broker = relay("port-broker").with("relay.broker.listen", "127.0.0.1:" + taken.getLocalPort())
                    .with("relay.broker.user", "relay").with("relay.broker.password", "a-password-1234");
            RelayProcess.Exit run = broker.runToExit(Duration.ofSeconds(90));
            assertEquals(2, run.code(), run.output());
            assertTrue(run.output().contains("relay.broker.listen " + taken.getLocalPort()), run.output());
        }
    }

    private RelayProcess relay(String name) throws Exception {
        return new RelayProcess(dir.resolve(name)).with("relay.capture.port", "0")
                .with("relay.memory.release-interval", "0");
    }

    private static void assertNoStackTrace(String output) {
        assertFalse(output.contains("\tat ") || output.contains("Exception in thread"),
                "one clear line, no stack trace:\n" + output);
    }
}
