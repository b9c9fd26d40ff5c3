package org.outboxrelay.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * The relay as its own JVM, deployed the way users deploy it (config/ and routes/ copied into a folder that
 * becomes the working directory), so that tests can kill it hard (SIGKILL) and start it again.
 */
public final class RelayProcess implements AutoCloseable {

    private final Path home;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private List<String> jvmArgs = List.of("-Xmx256m");
    private Process process;
    private int starts;

    public RelayProcess(Path home) throws IOException {
        this.home = home;
        properties.put("relay.http.port", String.valueOf(TestRelay.freePort()));
        copyTree(Path.of("config"), home.resolve("config"));
        copyTree(Path.of("routes"), home.resolve("routes"));
        Files.createDirectories(home.resolve("templates"));
    }

    public RelayProcess with(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /** JVM options of the relay, instead of the default -Xmx256m (the harness's start-up flags come before them). */
    public RelayProcess jvmArgs(String... args) {
        this.jvmArgs = List.of(args);
        return this;
    }

    /** The port of its HTTP API. */
    public int httpPort() {
        return Integer.parseInt(properties.get("relay.http.port"));
    }

    /** The relay's process id (for RSS readings in /proc). */
    public long pid() {
        return process.pid();
    }

    public Path home() {
        return home;
    }

    public Path log() {
        return home.resolve("relay-" + starts + ".log");
    }

    /** Starts the JVM and waits until its routes are running. */
    public RelayProcess start() throws IOException {
        starts++;
        List<String> options = new ArrayList<>(jvmArgs);
        properties.forEach((k, v) -> options.add("-D" + k + "=" + v));
        List<String> cmd = ChildJvm.shortLived(options);
        cmd.add("org.outboxrelay.cli.RelayCli");
        Path log = log();
        process = new ProcessBuilder(cmd).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // generous: on a loaded 2-core machine several relay JVMs starting together take a while
        await().atMost(Duration.ofSeconds(150)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("relay exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            return Files.readString(log).contains("(outbox-relay) started");
        });
        return this;
    }

    /** Runs a command of the jar (e.g. "login") or the relay, expecting it to exit; returns code and output. */
    public record Exit(int code, String output) {
    }

    public Exit runToExit(Duration timeout, String... args) throws IOException, InterruptedException {
        starts++;
        List<String> options = new ArrayList<>();
        properties.forEach((k, v) -> options.add("-D" + k + "=" + v));
        List<String> cmd = ChildJvm.shortLived(options);
        cmd.add("org.outboxrelay.cli.RelayCli");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log().toFile()).start();
        if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("did not exit within " + timeout + ":\n" + Files.readString(log()));
        }
        return new Exit(p.exitValue(), Files.readString(log()));
    }

    /** Runs a diagnostic command in the relay's JVM (jcmd of the JDK running the tests); returns its output. */
    public String jcmd(String... command) throws IOException, InterruptedException {
        return jcmd(pid(), command);
    }

    /** Runs a diagnostic command in the JVM of that process (jcmd of the JDK running the tests). */
    public static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("jcmd " + String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** SIGKILL: no shutdown hook, no graceful anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Waits for the relay to exit by itself; its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError("relay did not exit within " + timeout);
        }
        return process.exitValue();
    }

    /** SIGTERM, and the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("relay did not stop within " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
