package org.outboxrelay.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * One broker of a primary/backup pair as its own JVM, started the way users start it
 * ({@code java -jar outbox-relay.jar broker ...}), so that a test can kill it with SIGKILL.
 */
public final class BrokerProcess implements AutoCloseable {

    public static final String USER = "relay";
    public static final String PASSWORD = "broker-password-3f9c";

    private final Path home;
    private final String role;
    private final Path store;
    private final int port;
    private final int peerPort;
    private Process process;

    public BrokerProcess(Path home, String role, Path store, int port, int peerPort) throws IOException {
        this.home = Files.createDirectories(home);
        this.role = role;
        this.store = store;
        this.port = port;
        this.peerPort = peerPort;
    }

    /** A primary/backup pair on two free ports sharing one store in {@code dir}. */
    public static BrokerProcess[] pair(Path dir) throws IOException {
        int a = TestRelay.freePort();
        int b = TestRelay.freePort();
        Path store = Files.createDirectories(dir.resolve("shared-store"));
        return new BrokerProcess[] {new BrokerProcess(dir.resolve("primary"), "primary", store, a, b),
                new BrokerProcess(dir.resolve("backup"), "backup", store, b, a)};
    }

    /** The failover URL of a pair, as relays and clients use it. */
    public static String failoverUrl(BrokerProcess[] pair) {
        return "(tcp://127.0.0.1:" + pair[0].port + ",tcp://127.0.0.1:" + pair[1].port
                + ")?ha=true&reconnectAttempts=-1&initialConnectAttempts=-1&retryInterval=200";
    }

    public int port() {
        return port;
    }

    public Path log() {
        return home.resolve("broker.log");
    }

    /** Starts the JVM; a primary is waited for until it serves, a backup until it waits for the store. */
    public BrokerProcess start() throws IOException {
        List<String> cmd = ChildJvm.shortLived(List.of("-Xmx256m", "-Drelay.broker.user=" + USER,
                "-Drelay.broker.password=" + PASSWORD));
        cmd.add("org.outboxrelay.cli.RelayCli");
        cmd.addAll(List.of("broker", "--role", role, "--store", store.toString(), "--listen", "127.0.0.1:" + port,
                "--peer", "127.0.0.1:" + peerPort));
        process = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log().toFile()).start();
        String expected = "primary".equals(role) ? "is active" : "Broker backup on";
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("broker exited with " + process.exitValue() + ":\n" + Files.readString(log()));
            }
            return Files.readString(log()).contains(expected);
        });
        return this;
    }

    /** Waits until this broker serves clients (a backup: once its primary died). */
    public void awaitActive(Duration timeout) {
        await().atMost(timeout).until(() -> Files.readString(log()).contains("is active"));
    }

    /** SIGKILL. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
