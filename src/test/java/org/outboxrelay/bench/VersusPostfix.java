package org.outboxrelay.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The relay side by side with Postfix, in one run (see {@code bench/vs-postfix}): for each security (plain,
 * STARTTLS + AUTH) and channel (JMS, outbox, HTTP), Postfix and then the relay relay the same number of messages
 * with the same body size to the same SMTP sink, a process of its own ({@link SmtpSink}). Each side is started
 * fresh and measured twice: cold (the first {@code --jobs} messages right after its start) and warm (the same
 * number after {@code --warmup} more). A rate is messages from the first hand-over to the sink's acceptance of
 * the last one, per second. The relay is {@code java -jar target/outbox-relay.jar} with no JVM options and its
 * default settings, except {@code relay.provider=smtp} pointing at the sink (and the logins its channels need);
 * Postfix gets its defaults plus a relayhost ({@link PostfixPeer}). Also printed: CPU per message of both (from
 * /proc, all their processes), the relay's start-up time and its resident memory (after start, peak, idle).
 *
 * <pre>
 *   bench/vs-postfix                                   everything: jms, outbox, http; plain and STARTTLS+AUTH
 *   bench/vs-postfix --channel jms --plain --runs 3    one channel, plain only, three times
 *   bench/vs-postfix --jobs 2000 --warmup 20000 --size 1000 --idle 65
 *   bench/vs-postfix --channel jms --skip-postfix --jvm -XX:TieredStopAtLevel=1    (experiments)
 *   bench/vs-postfix --channel jms --skip-postfix --nmt          (the JVM's native memory after the warm jobs)
 *   bench/vs-postfix --channel jms --skip-postfix --idle-first 70 --idle-jcmd GC.heap_info   (idle memory)
 *   bench/vs-postfix --channel jms --plain --rtt 20 --jobs 500 --warmup 0   (a sink 20 ms away, both sides)
 * </pre>
 */
public final class VersusPostfix {

    private static final String TOKEN = "bench-token-0123456789abcdef0123456789abcdef";
    private static final String BROKER_USER = "bench";
    private static final String BROKER_PASSWORD = "bench-pw";

    /** One side's measurement of N messages. */
    record Phase(int messages, double seconds, long cpuMillis, long connections, String threads) {
        double rate() {
            return messages / seconds;
        }

        double cpuPerMessage() {
            return cpuMillis / (double) messages;
        }
    }

    /** One scenario of one run. */
    record Result(int run, String security, String channel, Phase relayCold, Phase relayWarm, Phase postfixCold,
            Phase postfixWarm, long startMillis, long rssAfterStartKb, long peakRssKb, long idleRssKb, long idlePssKb,
            long processes, double relayBytes, double postfixBytes, String load, long storeFileKb) {
    }

    private int jobs = 2000;
    private int warmup = 20000;
    private int bodyBytes = 1000;
    private int idleSeconds = 65;
    private int idleFirstSeconds;
    private int runs = 1;
    private int httpClients = 4;
    /** Jobs carry an id of their own (false: the relay makes one, as for clients that give none). */
    private boolean jobIds = true;
    private boolean skipPostfix;
    private boolean nativeMemory;
    private final List<String> idleJcmd = new ArrayList<>();
    private final List<String> startJcmd = new ArrayList<>();
    private boolean threadsTop;
    private String profile;
    /** JFR settings of --profile: "profile" (the JDK's), "default", or a .jfc file such as bench/cpu-samples.jfc. */
    private String profileSettings = "profile";
    /** With --rtt: the sink seen through a {@link LatencyProxy} with this round trip, by both sides. */
    private Duration roundTrip;
    private LatencyProxy latency;
    private String javaCommand = "java";
    private final List<String> channels = new ArrayList<>();
    private final List<String> securities = new ArrayList<>();
    private final List<String> jvm = new ArrayList<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Path jar = Path.of("target", "outbox-relay.jar");
    private String classpath;

    public static void main(String[] args) throws Exception {
        VersusPostfix bench = new VersusPostfix();
        bench.parse(args);
        // interrupted (Ctrl-C): no sink, relay or Postfix instance is left behind
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            PostfixPeer.stopAll();
        }, "clean-up"));
        List<Result> results = bench.runAll();
        bench.printSummary(results);
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("relay.") && a.contains("=")) {
                settings.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
                continue;
            }
            switch (a) {
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--size" -> bodyBytes = Integer.parseInt(args[++i]);
                case "--idle" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--idle-first" -> idleFirstSeconds = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--clients" -> httpClients = Integer.parseInt(args[++i]);
                case "--no-ids" -> jobIds = false;
                case "--channel" -> {
                    String c = args[++i];
                    channels.addAll(c.equals("all") ? List.of("jms", "outbox", "http") : List.of(c.split(",")));
                }
                case "--tls" -> securities.add("starttls");
                case "--plain" -> securities.add("plain");
                case "--skip-postfix" -> skipPostfix = true;
                case "--idle-jcmd" -> idleJcmd.add(args[++i]);
                case "--start-jcmd" -> startJcmd.add(args[++i]);
                case "--threads" -> threadsTop = true;
                case "--nmt" -> {
                    nativeMemory = true;
                    jvm.add("-XX:NativeMemoryTracking=summary");
                }
                case "--profile" -> profile = Path.of(args[++i]).toAbsolutePath().toString();
                case "--profile-settings" -> {
                    String settings = args[++i];
                    profileSettings = settings.endsWith(".jfc") ? Path.of(settings).toAbsolutePath().toString() : settings;
                }
                case "--java" -> javaCommand = args[++i];
                case "--jar" -> jar = Path.of(args[++i]);
                case "--rtt" -> roundTrip = Duration.ofMillis(Long.parseLong(args[++i]));
                case "--jvm" -> jvm.add(args[++i]);
                case "--env" -> {
                    String e = args[++i];
                    environment.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + a
                        + " (see bench/vs-postfix --help)");
            }
        }
        if (channels.isEmpty()) {
            channels.addAll(List.of("jms", "outbox", "http"));
        }
        for (String c : channels) {
            if (!List.of("jms", "outbox", "http").contains(c)) {
                throw new IllegalArgumentException("--channel jms, outbox, http or all, not " + c);
            }
        }
        if (securities.isEmpty()) {
            securities.addAll(List.of("plain", "starttls"));
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: mvn -q package -DskipTests");
        }
        if (!skipPostfix && !PostfixPeer.installed()) {
            throw new IllegalStateException("Postfix is not installed (bench/vs-postfix installs Debian's package)");
        }
        classpath = System.getProperty("java.class.path");
    }

    private List<Result> runAll() throws Exception {
        List<Result> results = new ArrayList<>();
        BenchSupport.report("relay vs Postfix: %d messages cold and %d warm (after %d warm-up), body %d bytes,"
                        + " channels %s, %s, %d run(s), %d cores, load %s, relay: %s -jar %s%s",
                jobs, jobs, warmup, bodyBytes, channels, securities, runs, Runtime.getRuntime().availableProcessors(),
                load(), javaCommand, jar, jvm.isEmpty() ? " (no JVM options)" : " with " + jvm);
        for (int run = 1; run <= runs; run++) {
            for (String security : securities) {
                boolean tls = security.equals("starttls");
                try (SmtpSink sink = tls ? SmtpSink.starttls(classpath) : SmtpSink.plain();
                        LatencyProxy proxy = roundTrip == null ? null : new LatencyProxy(sink.port(), roundTrip)) {
                    latency = proxy;
                    for (String channel : channels) {
                        Result r = scenario(run, security, channel, sink);
                        results.add(r);
                        printResult(r);
                    }
                }
            }
        }
        return results;
    }

    private Result scenario(int run, String security, String channel, SmtpSink sink) throws Exception {
        String loadBefore = load();
        Phase pfCold = null;
        Phase pfWarm = null;
        double pfBytes = Double.NaN;
        if (!skipPostfix) {
            try (PostfixPeer postfix = PostfixPeer.start(smtpPort(sink), sink.tls())) {
                long b0 = sink.bytes();
                pfCold = postfixPhase(postfix, sink, jobs);
                pfBytes = sink.bytes() < 0 ? Double.NaN : (sink.bytes() - b0) / (double) jobs;
                postfixPhase(postfix, sink, warmup);
                pfWarm = postfixPhase(postfix, sink, jobs);
            }
        }

        Path home = Files.createTempDirectory("relay-vs-postfix");
        try (RelayJar relay = new RelayJar(jar, home, javaCommand, jvm)) {
            configure(relay, channel, sink);
            Duration started = relay.start();
            long rssAfterStart = relay.rssKb();
            for (String command : startJcmd) {
                relay.jcmd(command.split(" "));
            }
            BenchJobs jobsOf = new BenchJobs(Long.toString(System.currentTimeMillis(), 36), bodyBytes, jobIds);
            if (idleFirstSeconds > 0) {
                // one job, then idle: the footprint of a relay that waits for work (its first jobs stay cold)
                relayPhase(relay, sink, new BenchJobs("first", bodyBytes), channel, 0, 1);
                Thread.sleep(idleFirstSeconds * 1000L);
                BenchSupport.report("idle relay %d s after its first job: %d MB RSS, %d MB PSS (%d process%s)",
                        idleFirstSeconds, relay.rssKb() / 1024, relay.pssKb() / 1024, relay.processCount(),
                        relay.processCount() == 1 ? "" : "es");
            }
            if (profile != null) {
                // JFR's first recording in a JVM sets the JIT compiling again for seconds (on JDK 17, 8 s of C1
                // and C2 with the warm phase's rate halved): it starts here, before the cold jobs, and the warm
                // jobs get a recording of their own
                startRecording(relay, "prime");
            }
            long b0 = sink.bytes();
            Phase cold = relayPhase(relay, sink, jobsOf, channel, 0, jobs);
            double relayBytes = sink.bytes() < 0 ? Double.NaN : (sink.bytes() - b0) / (double) jobs;
            if (warmup > 0) {
                relayPhase(relay, sink, jobsOf, channel, jobs, warmup);
            }
            if (profile != null) {
                relay.jcmd("JFR.stop", "name=prime");
                startRecording(relay, "bench");
            }
            Phase warm = relayPhase(relay, sink, jobsOf, channel, jobs + warmup, jobs);
            if (profile != null) {
                String file = profile.replaceFirst("(\\.jfr)?$", "-" + security + "-" + channel + ".jfr");
                relay.jcmd("JFR.stop", "name=bench", "filename=" + file);
                BenchSupport.report("JFR of the warm jobs: %s", file);
            }
            long peak = relay.peakRssKb();
            // the embedded job store's file and its write-ahead log (none with relay.state.url)
            Path state = home.resolve("data").resolve("state");
            long storeFileKb = sizeKb(state.resolve("jobs.db"), state.resolve("jobs.db-wal"));
            if (nativeMemory) {
                BenchSupport.report("native memory after the warm jobs:%n%s", relay.jcmd("VM.native_memory", "summary"));
            }
            long idle = -1;
            long idlePss = -1;
            if (idleSeconds > 0) {
                Thread.sleep(idleSeconds * 1000L);
                idle = relay.rssKb();
                idlePss = relay.pssKb();
                for (String command : idleJcmd) {
                    BenchSupport.report("idle relay, jcmd %s:%n%s", command, relay.jcmd(command.split(" ")));
                }
            }
            long processes = relay.processCount();
            int exit = relay.stop();
            if (exit != 0) {
                BenchSupport.report("the relay exited with %d; its log: %s", exit, relay.log());
            }
            deleteTree(home);
            return new Result(run, security, channel, cold, warm, pfCold, pfWarm, started.toMillis(), rssAfterStart,
                    peak, idle, idlePss, processes, relayBytes, pfBytes, loadBefore + " -> " + load(), storeFileKb);
        }
    }

    /** Where both sides send: the sink, or the latency proxy in front of it. */
    private int smtpPort(SmtpSink sink) {
        return latency == null ? sink.port() : latency.port();
    }

    private void configure(RelayJar relay, String channel, SmtpSink sink) {
        boolean tls = sink.tls();
        relay.with("relay.provider", "smtp")
                .with("relay.smtp.host", tls ? "localhost" : "127.0.0.1")
                .with("relay.smtp.port", String.valueOf(smtpPort(sink)))
                .with("relay.smtp.security", tls ? "starttls" : "none")
                .with("relay.smtp.auth", tls ? "password" : "none")
                .with("relay.smtp.from", "bench@example.com")
                .with("relay.http.port", String.valueOf(freePort()));
        if (tls) {
            relay.with("relay.smtp.username", "bench").with("relay.smtp.password", "bench-pw")
                    .with("relay.smtp.trust-file", Path.of("src/test/resources/tls/server.pem").toAbsolutePath()
                            .toString());
        }
        switch (channel) {
            case "jms" -> relay.with("relay.broker.listen", "127.0.0.1:" + freePort())
                    .with("relay.broker.user", BROKER_USER).with("relay.broker.password", BROKER_PASSWORD);
            case "http" -> relay.with("relay.http.tokens", TOKEN);
            default -> {
            }
        }
        settings.forEach(relay::with);
        environment.forEach(relay::withEnvironment);
    }

    private void startRecording(RelayJar relay, String name) throws Exception {
        String reply = relay.jcmd("JFR.start", "name=" + name, "settings=" + profileSettings);
        if (!reply.contains("Started recording")) {
            throw new IllegalStateException("JFR did not start: " + reply.strip());
        }
    }

    private Phase relayPhase(RelayJar relay, SmtpSink sink, BenchJobs jobsOf, String channel, int first, int n)
            throws Exception {
        Path staging = relay.home().resolve("staging");
        if (channel.equals("outbox")) {
            jobsOf.stageFiles(staging, first, n);
        }
        long base = sink.count();
        long sessions = sink.sessions();
        long cpu0 = relay.cpuMillis();
        Map<String, Long> threads0 = BenchSupport.threadCpuMillis(relay.relayJvmPid());
        Map<String, Long> named0 = threadsTop ? BenchSupport.threadCpuMillis(relay.relayJvmPid(), true) : Map.of();
        Instant start = Instant.now();
        switch (channel) {
            case "jms" -> jobsOf.postJms(Integer.parseInt(relay.env("RELAY_BROKER_LISTEN").split(":")[1]),
                    BROKER_USER, BROKER_PASSWORD, first, n, BenchJobs.HandOver.NONE);
            case "outbox" -> BenchJobs.dropFiles(relay.home().resolve("outbox"), staging, first, n,
                    BenchJobs.HandOver.NONE);
            case "http" -> jobsOf.postHttp(Integer.parseInt(relay.env("RELAY_HTTP_PORT")), TOKEN, first, n,
                    httpClients, BenchJobs.HandOver.NONE);
            default -> throw new IllegalArgumentException(channel);
        }
        Instant done = sink.awaitCount(base + n, Duration.ofMinutes(20));
        long cpu = relay.cpuMillis() - cpu0;
        if (threadsTop) {
            StringBuilder top = new StringBuilder();
            BenchSupport.threadCpuMillis(relay.relayJvmPid(), true).entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - named0.getOrDefault(e.getKey(), 0L)))
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
                    .forEach(e -> top.append(String.format(Locale.ROOT, "%n    %6d ms  %s", e.getValue(), e.getKey())));
            BenchSupport.report("relay threads by CPU, %d jobs:%s", n, top);
        }
        StringBuilder threads = new StringBuilder();
        BenchSupport.threadCpuMillis(relay.relayJvmPid()).forEach((kind, ms) -> threads.append(threads.length() > 0
                ? ", " : "").append(kind).append(' ').append(ms - threads0.getOrDefault(kind, 0L)).append(" ms"));
        return new Phase(n, Duration.between(start, done).toNanos() / 1e9, cpu, sink.sessions() - sessions,
                threads.toString());
    }

    private Phase postfixPhase(PostfixPeer postfix, SmtpSink sink, int n) throws Exception {
        long base = sink.count();
        long sessions = sink.sessions();
        long cpu0 = postfix.cpuMillis();
        Instant start = Instant.now();
        postfix.inject(n, bodyBytes);
        Instant done = sink.awaitCount(base + n, Duration.ofMinutes(20));
        long cpu = postfix.cpuMillis() - cpu0;
        return new Phase(n, Duration.between(start, done).toNanos() / 1e9, cpu, sink.sessions() - sessions, null);
    }

    private static int freePort() {
        try {
            return BenchSupport.freePort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void printResult(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%n[run %d] %s %s (load %s):", r.run(), r.security(), r.channel(),
                r.load()));
        b.append(line("cold", r.relayCold(), r.postfixCold()));
        b.append(line("warm", r.relayWarm(), r.postfixWarm()));
        b.append(String.format(Locale.ROOT, "%n  relay CPU by thread, cold: %s; warm: %s", r.relayCold().threads(),
                r.relayWarm().threads()));
        b.append(String.format(Locale.ROOT, "%n  relay (%d process%s): started in %.1f s, RSS %d MB after start,"
                        + " peak %d MB, idle %s; job store file after the warm jobs %s; message size at the sink:"
                        + " relay %s, Postfix %s",
                r.processes(), r.processes() == 1 ? "" : "es", r.startMillis() / 1000.0, r.rssAfterStartKb() / 1024,
                r.peakRssKb() / 1024, r.idleRssKb() < 0 ? "not measured" : r.idleRssKb() / 1024 + " MB RSS, "
                        + r.idlePssKb() / 1024 + " MB PSS (" + idleSeconds + " s later)",
                r.storeFileKb() < 0 ? "none (relay.state.url)" : r.storeFileKb() / 1024 + " MB",
                bytes(r.relayBytes()), bytes(r.postfixBytes())));
        BenchSupport.report("%s", b);
    }

    /** The size of a file and those beside it that exist, or -1 without the first (a relay on PostgreSQL). */
    private static long sizeKb(Path file, Path... besides) {
        if (!Files.exists(file)) {
            return -1;
        }
        long bytes = 0;
        for (Path f : java.util.stream.Stream.concat(java.util.stream.Stream.of(file),
                java.util.Arrays.stream(besides)).toList()) {
            try {
                bytes += Files.size(f);
            } catch (java.io.IOException gone) {
                // the log is removed when the last connection closes
            }
        }
        return bytes / 1024;
    }

    private static String bytes(double b) {
        return Double.isNaN(b) ? "-" : String.format(Locale.ROOT, "%.0f bytes", b);
    }

    private static String line(String phase, Phase relay, Phase postfix) {
        return String.format(Locale.ROOT, "%n  %s: relay %6.0f msg/s (%.2f ms CPU/msg, %d SMTP connections)   Postfix %s   ratio %s",
                phase, relay.rate(), relay.cpuPerMessage(), relay.connections(),
                postfix == null ? "-" : String.format(Locale.ROOT, "%6.0f msg/s (%.2f ms CPU/msg, %d SMTP connections)",
                        postfix.rate(), postfix.cpuPerMessage(), postfix.connections()),
                postfix == null ? "-" : String.format(Locale.ROOT, "%.2f", relay.rate() / postfix.rate()));
    }

    private void printSummary(List<Result> results) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "%nSummary over %d run(s): min-max (median); %d messages per phase, warm after %d, body %d bytes%n",
                runs, jobs, warmup, bodyBytes));
        b.append(String.format(Locale.ROOT, "%-9s %-7s %-5s %-22s %-22s %-19s %-19s %-19s%n", "security", "channel",
                "phase", "relay msg/s", "Postfix msg/s", "ratio", "relay ms CPU/msg", "Postfix ms CPU/msg"));
        for (String security : securities) {
            for (String channel : channels) {
                List<Result> rs = results.stream().filter(r -> r.security().equals(security)
                        && r.channel().equals(channel)).toList();
                for (String phase : List.of("cold", "warm")) {
                    boolean cold = phase.equals("cold");
                    ToDoubleFunction<Result> relayRate = r -> (cold ? r.relayCold() : r.relayWarm()).rate();
                    ToDoubleFunction<Result> relayCpu = r -> (cold ? r.relayCold() : r.relayWarm()).cpuPerMessage();
                    ToDoubleFunction<Result> pfRate = r -> (cold ? r.postfixCold() : r.postfixWarm()) == null
                            ? Double.NaN : (cold ? r.postfixCold() : r.postfixWarm()).rate();
                    ToDoubleFunction<Result> pfCpu = r -> (cold ? r.postfixCold() : r.postfixWarm()) == null
                            ? Double.NaN : (cold ? r.postfixCold() : r.postfixWarm()).cpuPerMessage();
                    ToDoubleFunction<Result> ratio = r -> relayRate.applyAsDouble(r) / pfRate.applyAsDouble(r);
                    b.append(String.format(Locale.ROOT, "%-9s %-7s %-5s %-22s %-22s %-19s %-19s %-19s%n", security,
                            channel, phase, spread(rs, relayRate, "%.0f"), spread(rs, pfRate, "%.0f"),
                            spread(rs, ratio, "%.2f"), spread(rs, relayCpu, "%.2f"), spread(rs, pfCpu, "%.2f")));
                }
                b.append(String.format(Locale.ROOT, "%-9s %-7s relay start-up %s s, RSS after start %s MB,"
                                + " peak %s MB, idle %s MB (PSS %s MB), job store file after the warm jobs (MB) %s%n",
                        security, channel,
                        spread(rs, r -> r.startMillis() / 1000.0, "%.1f"),
                        spread(rs, r -> r.rssAfterStartKb() / 1024.0, "%.0f"),
                        spread(rs, r -> r.peakRssKb() / 1024.0, "%.0f"),
                        spread(rs, r -> r.idleRssKb() < 0 ? Double.NaN : r.idleRssKb() / 1024.0, "%.0f"),
                        spread(rs, r -> r.idlePssKb() < 0 ? Double.NaN : r.idlePssKb() / 1024.0, "%.0f"),
                        spread(rs, r -> r.storeFileKb() < 0 ? Double.NaN : r.storeFileKb() / 1024.0, "%.0f")));
            }
        }
        b.append("load average (1, 5, 15 min) at the end: ").append(load());
        BenchSupport.report("%s", b);
    }

    private static String spread(List<Result> rs, ToDoubleFunction<Result> f, String format) {
        double[] v = rs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return "-";
        }
        String min = String.format(Locale.ROOT, format, v[0]);
        if (v.length == 1) {
            return min;
        }
        return min + "-" + String.format(Locale.ROOT, format, v[v.length - 1]) + " ("
                + String.format(Locale.ROOT, format, v[v.length / 2]) + ")";
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
