package org.outboxrelay.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line of a JVM of its own that runs the project's code (a relay, a broker, a command): this JVM's
 * java and classpath.
 *
 * <p>Test JVMs live for seconds to a minute, and on a 2-core machine most of that is start-up: loading and
 * verifying some ten thousand classes and compiling them twice (C1, then C2). So a short-lived test JVM gets
 * {@link #START_UP_FLAGS}: C1 only, and an application class-data-sharing archive made once per test run by one
 * relay start (Java 17 archives classes from jars only, so the classes folders are packed into jars for the
 * children). Neither changes what the code does or how it uses memory (the same collector and heap); the relay
 * does much the same for itself when started with {@code java -jar} (RelayJvm: its own class archive).
 */
public final class ChildJvm {

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvm.class);

    /** Faster start of a short-lived JVM: only the quick compiler (no C2 compiles competing for 2 cores). */
    public static final List<String> START_UP_FLAGS = List.of("-XX:TieredStopAtLevel=1");

    private static final Path WORK = Path.of("target", "child-jvm").toAbsolutePath();
    private static String classpath;
    private static Path archive;
    private static boolean archiveTried;

    private ChildJvm() {
    }

    /** java, the given JVM options, and the classpath; the main class and its arguments follow. */
    private static List<String> command(List<String> jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath());
        return cmd;
    }

    /** java with the start-up flags (and the shared archive, once made), then the given options and classpath. */
    public static List<String> shortLived(List<String> jvmArgs) {
        List<String> args = new ArrayList<>(START_UP_FLAGS);
        Path jsa = archive();
        if (jsa != null) {
            args.add("-XX:SharedArchiveFile=" + jsa);
        }
        args.addAll(jvmArgs);
        return command(args);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * This JVM's classpath with absolute entries (children run in other working directories), each classes folder
     * replaced by a jar of it (made once per test run, so that the archive can hold those classes too).
     */
    static synchronized String classpath() {
        if (classpath == null) {
            List<String> entries = new ArrayList<>();
            int folders = 0;
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path entry = Path.of(e).toAbsolutePath();
                if (Files.isDirectory(entry)) {
                    try {
                        entry = jarOf(entry, WORK.resolve("classes-" + folders++ + ".jar"));
                    } catch (IOException ex) {
                        LOG.warn("Children use the folder {}: cannot pack it ({})", entry, ex.toString());
                    }
                }
                entries.add(entry.toString());
            }
            classpath = String.join(File.pathSeparator, entries);
        }
        return classpath;
    }

    private static Path jarOf(Path folder, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
                Stream<Path> files = Files.walk(folder)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String name = folder.relativize(f).toString().replace(File.separatorChar, '/');
                if (name.isEmpty()) {
                    continue;
                }
                if (Files.isDirectory(f)) {
                    zip.putNextEntry(new JarEntry(name + "/"));
                } else {
                    zip.putNextEntry(new JarEntry(name));
                    Files.copy(f, zip);
                }
                zip.closeEntry();
            }
        }
        return jar;
    }

    /**
     * The archive of the classes a relay loads while it starts, made by starting one relay with
     * -XX:ArchiveClassesAtExit and stopping it; null (children start without it) if that did not work.
     */
    private static synchronized Path archive() {
        if (archiveTried) {
            return archive;
        }
        archiveTried = true;
        long began = System.nanoTime();
        Path jsa = WORK.resolve("relay.jsa");
        try {
            String cp = classpath();
            if (hasFolder(cp)) {
                return null;
            }
            Files.deleteIfExists(jsa);
            Path home = Files.createTempDirectory(WORK, "archive-run-");
            RelayProcess.copyTree(Path.of("config"), home.resolve("config"));
            RelayProcess.copyTree(Path.of("routes"), home.resolve("routes"));
            Files.createDirectories(home.resolve("templates"));
            List<String> cmd = command(List.of("-Xmx256m", "-XX:ArchiveClassesAtExit=" + jsa,
                    "-Drelay.http.port=" + TestRelay.freePort(), "-Drelay.http.host=127.0.0.1",
                    "-Drelay.capture.port=0", "-Drelay.memory.release-interval=0"));
            cmd.add("org.outboxrelay.cli.RelayCli");
            Path log = home.resolve("relay.log");
            Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                while (!Files.readString(log).contains("(outbox-relay) started")) {
                    if (!p.isAlive() || System.nanoTime() > deadline) {
                        LOG.warn("Children start without a class archive: the relay did not start:\n{}",
                                Files.readString(log));
                        return null;
                    }
                    Thread.sleep(100);
                }
                p.destroy(); // SIGTERM: the archive is written as the JVM exits
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    LOG.warn("Children start without a class archive: the relay did not stop");
                    return null;
                }
            } finally {
                p.destroyForcibly();
            }
            if (!Files.isRegularFile(jsa)) {
                LOG.warn("Children start without a class archive: none written:\n{}", Files.readString(log));
                return null;
            }
            LOG.info("Class archive for child JVMs made in {} ms: {}", (System.nanoTime() - began) / 1_000_000, jsa);
            archive = jsa;
            return archive;
        } catch (IOException e) {
            LOG.warn("Children start without a class archive: {}", e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean hasFolder(String cp) {
        for (String e : cp.split(File.pathSeparator)) {
            if (Files.isDirectory(Path.of(e))) {
                return true;
            }
        }
        return false;
    }
}
