package org.outboxrelay.jvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When and how {@code java -jar outbox-relay.jar} runs the relay in a JVM of its own, and with which cache. */
class RelayJvmTest {

    @TempDir
    Path dir;

    private static final Path JAVA_HOME = Path.of("/opt/jdk");

    private Path jar() throws Exception {
        return Files.write(dir.resolve("outbox-relay.jar"), new byte[] {1, 2, 3});
    }

    private static Optional<List<String>> command(String[] args, String tuning, Path jar, Path classPath,
            Optional<List<String>> options) {
        return RelayJvm.command(args, tuning, jar, classPath, options, JAVA_HOME, Runtime.version(), 4242);
    }

    @Test
    void plainJavaDashJarRunsTheRelayInATunedJvmWithTheSettingsGiven() throws Exception {
        Path jar = jar();
        List<String> command = command(new String[0], "auto", jar, jar,
                Optional.of(List.of("-Drelay.smtp.host=mail.example.com"))).orElseThrow();
        assertEquals(JAVA_HOME.resolve("bin/java").toString(), command.get(0));
        assertTrue(command.containsAll(RelayJvm.OPTIONS), command.toString());
        assertTrue(command.contains("-Drelay.smtp.host=mail.example.com"), "settings go along: " + command);
        assertTrue(command.contains("-Doutbox.relay.launcher=4242"), command.toString());
        assertEquals(List.of("-cp", jar.toString(), RelayJvm.MAIN), command.subList(command.size() - 3, command.size()));
        List<String> run = command(new String[] {"run"}, "auto", jar, jar, Optional.of(List.of())).orElseThrow();
        assertEquals(List.of("-cp", jar.toString(), RelayJvm.MAIN, "run"), run.subList(run.size() - 4, run.size()));
        assertFalse(command.stream().anyMatch(o -> o.startsWith("-XX:SharedArchiveFile") || o.startsWith("-XX:AOTCache")),
                "no cache next to the jar, none used: " + command);
    }

    @Test
    void theOperatorsChoicesLeaveTheJvmAsStarted() throws Exception {
        Path jar = jar();
        assertTrue(command(new String[0], "off", jar, jar, Optional.of(List.of())).isEmpty(), "relay.jvm.tuning=off");
        assertTrue(command(new String[0], "auto", jar, jar, Optional.of(List.of("-Xmx1g"))).isEmpty(), "-Xmx");
        assertTrue(command(new String[0], "auto", jar, jar, Optional.of(List.of("-Da=b", "-XX:+UseG1GC"))).isEmpty());
        assertTrue(command(new String[0], "auto", jar, jar, Optional.empty()).isEmpty(), "JAVA_TOOL_OPTIONS, say");
        assertTrue(command(new String[0], "auto", jar, dir.resolve("classes"), Optional.of(List.of())).isEmpty(),
                "a class path of tests or tools");
        assertTrue(command(new String[] {"check"}, "auto", jar, jar, Optional.of(List.of())).isEmpty(),
                "commands other than run stay in the JVM started");
    }

    @Test
    void theOptionsAreWhatComesBeforeDashJar() {
        assertEquals(Optional.of(List.of("-Drelay.provider=smtp")),
                RelayJvm.optionsBeforeJar(new String[] {"-Drelay.provider=smtp", "-jar", "outbox-relay.jar", "run"}));
        assertEquals(Optional.of(List.of()), RelayJvm.optionsBeforeJar(new String[] {"-jar", "outbox-relay.jar"}));
        assertEquals(Optional.empty(), RelayJvm.optionsBeforeJar(new String[] {"-cp", "x.jar", "org.example.Main"}));
    }

    @Test
    void aCacheIsUsedOnlyByTheJvmThatMadeItForThatJarWhereItIs() throws Exception {
        Path jar = jar();
        JvmCache cache = JvmCache.planned(jar, Runtime.version());
        Files.write(cache.file(), new byte[] {42});
        cache.describe(jar);
        assertEquals(cache.option(), RelayJvm.tunedOptions(jar, Runtime.version()).get(0));
        assertTrue(cache.option().startsWith(Runtime.version().feature() >= 25 ? "-XX:AOTCache=" : "-XX:SharedArchiveFile="));

        Path elsewhere = Files.createDirectories(dir.resolve("deployed"));
        Path copied = Files.copy(jar, elsewhere.resolve("outbox-relay.jar"));
        Files.setLastModifiedTime(copied, Files.getLastModifiedTime(jar));
        Files.copy(cache.file(), elsewhere.resolve(cache.file().getFileName()));
        Files.copy(JvmCache.description(jar), JvmCache.description(copied));
        assertEquals(RelayJvm.OPTIONS, RelayJvm.tunedOptions(copied, Runtime.version()),
                "the JVM would refuse the cache for a jar somewhere else (class path)");

        Files.write(jar, new byte[] {4}, StandardOpenOption.APPEND);
        assertEquals(RelayJvm.OPTIONS, RelayJvm.tunedOptions(jar, Runtime.version()), "a rebuilt jar");
    }

    @Test
    void jdk25AndLaterGetAnAotCacheEarlierOnesAClassDataArchive() throws Exception {
        Path jar = jar();
        assertEquals("-XX:AOTCacheOutput=" + dir.resolve("outbox-relay.aot"),
                JvmCache.planned(jar, Runtime.Version.parse("25.0.1")).trainingOption());
        assertEquals("-XX:ArchiveClassesAtExit=" + dir.resolve("outbox-relay.jsa"),
                JvmCache.planned(jar, Runtime.Version.parse("17.0.15")).trainingOption());
    }
}
