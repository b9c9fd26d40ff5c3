package org.outboxrelay.jvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the cache of the relay's JVM ({@link JvmCache}) at {@code mvn package}, right after the jar:
 * {@code java -cp target/outbox-relay.jar org.outboxrelay.jvm.JvmCacheTraining target/outbox-relay.jar .} runs
 * {@link TrainingWorkload} - the relay with the shipped config, routes and templates, relaying a few thousand jobs
 * of every kind through every channel to its capture server - in a JVM started as the relay's own JVM will be
 * ({@link RelayJvm#OPTIONS}), which writes the cache when it exits. A training run that fails leaves no cache and
 * does not fail the build: the relay then simply starts without one. Its output goes to
 * {@code target/jvm-training.log}.
 */
public final class JvmCacheTraining {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JvmCacheTraining.class);

    private JvmCacheTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath().normalize();
        Path project = Path.of(args.length > 1 ? args[1] : ".").toAbsolutePath().normalize();
        JvmCache cache = JvmCache.planned(jar, Runtime.version());
        JvmCache.removeAll(jar);
        Path log = jar.resolveSibling("jvm-training.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(RelayJvm.OPTIONS);
        command.add(cache.trainingOption());
        command.addAll(List.of("-cp", jar.toString(), TrainingWorkload.class.getName(), project.toString()));
        long start = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        Process training = pb.start();
        boolean done = training.waitFor(15, TimeUnit.MINUTES);
        if (!done) {
            training.destroyForcibly().waitFor();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        if (done && training.exitValue() == 0 && Files.isRegularFile(cache.file())) {
            cache.describe(jar);
            LOG.info("JVM cache for {} {}: {} ({} MB, training run {} s, log {})", System.getProperty("java.vm.name"),
                    System.getProperty("java.vm.version"), cache.file(), Files.size(cache.file()) >> 20, seconds, log);
        } else {
            JvmCache.removeAll(jar);
            LOG.warn("No JVM cache (the training run {} after {} s; see {}): the relay starts without one",
                    done ? "exited with " + training.exitValue() : "did not end", seconds, log);
        }
    }

    /** The project folder's shipped files the training relay runs with. */
    static Path projectFile(Path project, String name) throws IOException {
        Path p = project.resolve(name);
        if (!Files.exists(p)) {
            throw new IOException(p + " is missing");
        }
        return p;
    }
}
