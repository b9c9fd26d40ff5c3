package org.outboxrelay.jvm;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import org.outboxrelay.config.EarlySetting;
import sun.misc.Signal;

/**
 * The JVM the relay runs in. A jar cannot carry JVM options, and {@code java -jar outbox-relay.jar} gets a JVM
 * sized for a large server application (G1 with a quarter of the machine's memory as its limit, heap grown as G1
 * sees fit) that starts from nothing: every class loaded and verified, every method interpreted until the JIT
 * compilers catch up, which takes tens of thousands of jobs. So {@code run}, started with no JVM options, starts
 * the relay once more in a JVM of its own ({@link #tunedOptions}) and waits for it:
 * <ul>
 * <li>with the cache built at {@code mvn package} ({@link JvmCache}): on JDK 25 and later an AOT cache with the
 * classes loaded and linked and the method profiles of a training run (JEP 483, 515), on JDK 17 to 24 a
 * class-data sharing archive (AppCDS) - when it was made by this very JVM for this very jar;</li>
 * <li>with the serial collector and a small initial heap that grows with what the relay holds, not with how
 * fast it allocates (the limit stays the JVM's default, so large jobs fit as before), and shrinks back to 30%
 * free at a full collection, in one step (see IdleMemoryRelease); G1's remembered sets alone took 70 MB under
 * load;</li>
 * <li>with C2 inlining less ({@link #COMPILER}), so that it settles sooner;</li>
 * <li>with at most two malloc arenas ({@code MALLOC_ARENA_MAX}, glibc), not eight per core.</li>
 * </ul>
 * The launching JVM passes SIGTERM and SIGINT on, and exits with the relay's exit code; the relay stops when its
 * launcher goes away, even by SIGKILL. Any JVM option on the command line (other than {@code -D} settings, which
 * are passed on), {@code JAVA_TOOL_OPTIONS} or {@code relay.jvm.tuning=off} leave the JVM as it was started: the
 * operator decides.
 */
public final class RelayJvm {

    /** relay.jvm.tuning: {@code auto} (default) or {@code off}. */
    public static final String TUNING = "relay.jvm.tuning";

    /** The values of relay.jvm.tuning. */
    public enum Tuning {
        AUTO, OFF
    }
    /** Set in the relay's JVM to the pid of the JVM that started it. */
    static final String LAUNCHER = "outbox.relay.launcher";
    /** Set in the relay's JVM to what it was started with, for the log. */
    static final String DESCRIPTION = "outbox.relay.jvm";
    static final String MAIN = "org.outboxrelay.cli.RelayCli";

    /** The collector and heap of the relay's JVM (and of the training run that makes the cache). */
    static final List<String> MEMORY = List.of("-XX:+UseSerialGC", "-Xms32m", "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=30", "-XX:-ShrinkHeapInSteps");
    /**
     * The JIT of the relay's JVM: C2 inlines hot methods of up to 100 bytecodes (not 325) and no method whose
     * compiled code is over 1,000 bytes (not 2,500). With the defaults C2 was still compiling after 50,000 jobs
     * (0.7 s of CPU in the next 4,000, 0.05 s with these), CPU the warm jobs paid for; the compiled code runs about
     * as fast (README, "The relay's JVM", has the figures).
     */
    static final List<String> COMPILER = List.of("-XX:InlineSmallCode=1000", "-XX:FreqInlineSize=100");
    /** The options of the relay's JVM and of the training run that makes its cache, the cache aside. */
    static final List<String> OPTIONS = Stream.concat(MEMORY.stream(), COMPILER.stream()).toList();

    private RelayJvm() {
    }

    /**
     * Call first thing in main: runs the relay in a JVM of its own when that is wanted and returns its exit code,
     * or returns empty when the relay is to run in this JVM.
     */
    public static OptionalInt runTuned(String[] args, Path configFile) {
        if (System.getProperty(LAUNCHER) != null) {
            return OptionalInt.empty(); // this is the relay's own JVM
        }
        Optional<Path> jar = ownJar();
        Optional<List<String>> command = jar.isEmpty() ? Optional.empty() : command(args, tuning(configFile), jar.get(),
                Path.of(System.getProperty("java.class.path", "")).toAbsolutePath().normalize(),
                commandLineOptions(), Path.of(System.getProperty("java.home")), Runtime.version(),
                ProcessHandle.current().pid());
        if (command.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(runAndWait(command.get()));
        } catch (IOException e) {
            // the logger is looked up only here: this class runs before the relay has read relay.log.format, and
            // a logger made earlier would set up logging in the default format for the whole run
            org.slf4j.LoggerFactory.getLogger(RelayJvm.class)
                    .warn("Cannot start a tuned JVM ({}); running in this one", e.getMessage());
            return OptionalInt.empty();
        }
    }

    /**
     * The command that starts the relay in a JVM of its own, or empty when it is to run in this JVM: another
     * command than {@code run}, relay.jvm.tuning other than auto, not started with {@code -jar} of the relay's
     * jar (tests, tools), or with JVM options the operator chose ({@code jvmOptions} empty when unknown).
     */
    static Optional<List<String>> command(String[] args, String tuning, Path jar, Path classPath,
            Optional<List<String>> jvmOptions, Path javaHome, Runtime.Version version, long pid) {
        if (!(args.length == 0 || args[0].equals("run")) || !"auto".equals(tuning) || !classPath.equals(jar)
                || jvmOptions.isEmpty() || jvmOptions.get().stream().anyMatch(a -> !a.startsWith("-D"))) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin").resolve("java").toString());
        List<String> options = tunedOptions(jar, version);
        command.addAll(options);
        command.add("-D" + DESCRIPTION + "=" + String.join(" ", options));
        command.add("-D" + LAUNCHER + "=" + pid);
        command.addAll(jvmOptions.get()); // -D settings
        command.add("-cp");
        command.add(jar.toString());
        command.add(MAIN);
        command.addAll(List.of(args));
        return Optional.of(command);
    }

    /**
     * The JVM options this JVM was started with: what comes before {@code -jar} on its command line (read from
     * the system, not through JMX, which would load a few thousand classes into a JVM that only waits), or empty
     * when unknown or when the environment adds options ({@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS},
     * {@code _JAVA_OPTIONS}).
     */
    static Optional<List<String>> commandLineOptions() {
        for (String variable : new String[] {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"}) {
            if (System.getenv(variable) != null) {
                return Optional.empty();
            }
        }
        return ProcessHandle.current().info().arguments().flatMap(RelayJvm::optionsBeforeJar);
    }

    /** The JVM options of a {@code java} command line (its arguments), if it is {@code java [OPTIONS] -jar ...}. */
    static Optional<List<String>> optionsBeforeJar(String[] arguments) {
        List<String> options = new ArrayList<>();
        for (String a : arguments) {
            if (a.equals("-jar")) {
                return Optional.of(options);
            }
            options.add(a);
        }
        return Optional.empty();
    }

    /** The JVM options of the relay's own JVM: its cache (when there is one that fits), memory and JIT. */
    static List<String> tunedOptions(Path jar, Runtime.Version version) {
        List<String> options = new ArrayList<>(OPTIONS);
        JvmCache.usable(jar, version).ifPresent(cache -> options.addAll(0, cache.options()));
        return options;
    }

    private static int runAndWait(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        if (pb.environment().get("MALLOC_ARENA_MAX") == null) {
            pb.environment().put("MALLOC_ARENA_MAX", "2");
        }
        Process relay = pb.start();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                // the relay stops on SIGTERM (from a terminal, SIGINT reaches it directly as well)
                Signal.handle(new Signal(name), s -> relay.destroy());
            } catch (IllegalArgumentException e) {
                // this signal is not ours to handle here
            }
        }
        // SIGHUP and the like end this JVM the usual way: the relay gets SIGTERM and this JVM waits for it
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.destroy();
            try {
                relay.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "relay-stop"));
        while (true) {
            try {
                return relay.waitFor();
            } catch (InterruptedException e) {
                relay.destroy();
            }
        }
    }

    /**
     * In the relay's JVM: runs {@code stop} when the JVM that started it is gone (killed, say), so that the relay
     * never outlives its launcher.
     */
    public static void stopWithLauncher(Runnable stop) {
        String launcher = System.getProperty(LAUNCHER);
        if (launcher == null) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(launcher));
        if (parent.isEmpty()) {
            stop.run();
            return;
        }
        parent.get().onExit().thenRun(stop);
    }

    /** What the relay's JVM was started with (null when it runs in the JVM the operator started). */
    public static String description() {
        return System.getProperty(DESCRIPTION);
    }

    /** relay.jvm.tuning from -D, the environment or the config file (read before anything else). */
    static String tuning(Path configFile) {
        String value = EarlySetting.value(System.getProperty(TUNING), System.getenv("RELAY_JVM_TUNING"), configFile,
                TUNING);
        return value == null ? "auto" : value.trim().toLowerCase(Locale.ROOT);
    }

    /** The jar this class was loaded from, if it was. */
    static Optional<Path> ownJar() {
        try {
            var source = RelayJvm.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            Path p = Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
