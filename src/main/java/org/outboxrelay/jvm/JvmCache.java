package org.outboxrelay.jvm;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The cache of the relay's JVM, next to the jar: {@code outbox-relay.aot} (JDK 25 and later: an AOT cache with
 * loaded and linked classes and method profiles) or {@code outbox-relay.jsa} (JDK 17 to 24: a dynamic class-data
 * sharing archive), made by {@link JvmCacheTraining} at {@code mvn package}, and described in
 * {@code outbox-relay.jvm-cache.properties}: which JVM made it for which jar. A cache only works in exactly that
 * JVM with exactly that jar, where it was (the JVM checks the class path); anything else and the relay starts
 * without it, rather than have the JVM warn. A jar copied elsewhere gets its own cache with
 * {@code java -cp outbox-relay.jar org.outboxrelay.jvm.JvmCacheTraining outbox-relay.jar .} in its folder.
 */
record JvmCache(Path file, boolean aot) {

    /** The JDK release from which the AOT cache (JEP 483, 514, 515) replaces the CDS archive. */
    static final int AOT_FROM = 25;

    /** The JVM option that uses this cache. */
    String option() {
        return (aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + file;
    }

    /**
     * The JVM options that use this cache. JDK 25's AOT cache warns about parts of itself it does not link (code
     * adapters) and goes on without them; the relay checked that the cache is this JVM's, so those are quiet.
     */
    List<String> options() {
        return aot ? List.of(option(), "-Xlog:aot*=error") : List.of(option());
    }

    /** The JVM option that makes this cache when the training JVM exits. */
    String trainingOption() {
        return (aot ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + file;
    }

    /** The cache a JVM of this version makes for this jar. */
    static JvmCache planned(Path jar, Runtime.Version version) {
        boolean aot = version.feature() >= AOT_FROM;
        return new JvmCache(jar.resolveSibling(baseName(jar) + (aot ? ".aot" : ".jsa")), aot);
    }

    /** The cache next to the jar, if this JVM made it for this jar. */
    static Optional<JvmCache> usable(Path jar, Runtime.Version version) {
        Path description = description(jar);
        if (!Files.isReadable(description)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(description, StandardCharsets.UTF_8)) {
            p.load(in);
            JvmCache planned = planned(jar, version);
            boolean fits = planned.file().getFileName().toString().equals(p.getProperty("file"))
                    && Files.isReadable(planned.file())
                    && System.getProperty("java.vm.version").equals(p.getProperty("java.vm.version"))
                    && System.getProperty("java.home").equals(p.getProperty("java.home"))
                    && jar.toString().equals(p.getProperty("jar.path")) // a moved jar does not fit (class path)
                    && String.valueOf(Files.size(jar)).equals(p.getProperty("jar.size"))
                    && String.valueOf(Files.getLastModifiedTime(jar).toMillis()).equals(p.getProperty("jar.modified"));
            return fits ? Optional.of(planned) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Writes the description of a cache this JVM has just made for this jar. */
    void describe(Path jar) throws IOException {
        Properties p = new Properties();
        p.setProperty("file", file.getFileName().toString());
        p.setProperty("java.vm.version", System.getProperty("java.vm.version"));
        p.setProperty("java.home", System.getProperty("java.home"));
        p.setProperty("jar.path", jar.toString());
        p.setProperty("jar.size", String.valueOf(Files.size(jar)));
        p.setProperty("jar.modified", String.valueOf(Files.getLastModifiedTime(jar).toMillis()));
        try (Writer out = Files.newBufferedWriter(description(jar), StandardCharsets.UTF_8)) {
            p.store(out, "made by JvmCacheTraining at mvn package; used by the relay only in this JVM with this jar");
        }
    }

    /** Removes the caches and the description of this jar (before a new training run). */
    static void removeAll(Path jar) throws IOException {
        Files.deleteIfExists(description(jar));
        for (String suffix : new String[] {".aot", ".jsa", ".aotconf"}) {
            Files.deleteIfExists(jar.resolveSibling(baseName(jar) + suffix));
        }
    }

    static Path description(Path jar) {
        return jar.resolveSibling(baseName(jar) + ".jvm-cache.properties");
    }

    private static String baseName(Path jar) {
        String name = jar.getFileName().toString();
        return name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name;
    }
}
