package org.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The relay as a user runs it: {@code config/}, {@code routes/} and {@code templates/} copied into a folder that
 * becomes the working directory, and {@code java -jar outbox-relay.jar} with no JVM options; settings come from
 * the environment ({@code RELAY_*}), as a service manager would give them.
 */
final class RelayJar implements AutoCloseable {

    private final Path jar;
    private final Path home;
    private final String java;
    private final List<String> jvmOptions;
    private final Map<String, String> env = new LinkedHashMap<>();
    private Process process;
    private long startMillis;

    /**
     * @param java the {@code java} command (normally the one on the PATH, as for a user)
     * @param jvmOptions none, as users start it; only for experiments
     */
    RelayJar(Path jar, Path home, String java, List<String> jvmOptions) throws IOException {
        this.jar = jar.toAbsolutePath();
        this.home = home;
        this.java = java;
        this.jvmOptions = jvmOptions;
        for (String folder : List.of("config", "routes", "templates")) {
            copyTree(Path.of(folder), home.resolve(folder));
        }
    }

    /** A setting, given as its environment variable (relay.smtp.host becomes RELAY_SMTP_HOST). */
    RelayJar with(String key, String value) {
        env.put(key.toUpperCase().replace('.', '_').replace('-', '_'), value);
        return this;
    }

    /** Any other environment variable of the relay's process (experiments: MALLOC_ARENA_MAX, say). */
    RelayJar withEnvironment(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** A setting given with {@link #with}, by its environment variable's name. */
    String env(String name) {
        return env.get(name);
    }

    Path home() {
        return home;
    }

    Path log() {
        return home.resolve("relay.log");
    }

    /** Starts it and waits until its routes run; returns how long that took. */
    Duration start() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log().toFile());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        process = pb.start();
        long deadline = t0 + Duration.ofMinutes(3).toNanos();
        while (!Files.readString(log()).contains("(outbox-relay) started")) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the relay exited with " + process.exitValue() + ":\n"
                        + Files.readString(log()));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the relay did not start within 3 minutes:\n" + Files.readString(log()));
            }
            Thread.sleep(20);
        }
        startMillis = (System.nanoTime() - t0) / 1_000_000;
        return Duration.ofMillis(startMillis);
    }

    long pid() {
        return process.pid();
    }

    /** CPU time (ms) of the relay's process(es) so far. */
    long cpuMillis() {
        return BenchSupport.treeCpuMillis(process.pid());
    }

    long rssKb() {
        return BenchSupport.treeRssKb(process.pid(), false);
    }

    long pssKb() {
        return BenchSupport.treePssKb(process.pid());
    }

    /** Processes the relay runs as (2 when it started a JVM of its own). */
    long processCount() {
        return 1 + process.descendants().count();
    }

    long peakRssKb() {
        return BenchSupport.treeRssKb(process.pid(), true);
    }

    /** The JVM that runs the relay's code: the started one, or the one it started with its JVM options. */
    long relayJvmPid() {
        Optional<ProcessHandle> child = process.descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst();
        return child.map(ProcessHandle::pid).orElse(process.pid());
    }

    /** jcmd on the relay's JVM (JFR, say). */
    String jcmd(String... command) throws IOException, InterruptedException {
        return org.outboxrelay.testing.RelayProcess.jcmd(relayJvmPid(), command);
    }

    /** SIGTERM, as a service manager stops it; the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            close();
            throw new IllegalStateException("the relay did not stop within 90 s");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
