package org.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestSmtpServer;

/**
 * Delivers N jobs through one channel of a relay running as its own JVM (started the way users start it, no
 * JVM options) to a local SMTP sink, and prints messages per second, latency from submission to SMTP acceptance
 * (p50, p99) and the relay's resident memory (after its first job, after {@code --idle} seconds (70) of idling
 * after that, the peak, and after the same idle time once the run is over). Outbox files are written to a
 * staging folder first and renamed into the outbox with a fresh modification time, with the relay's default
 * outbox settings (poll every 500 ms, files younger than 1 s wait). The measured jobs follow
 * {@code --warmup} jobs (default 30000) through the same channel, so they show the relay as it runs for days, with
 * its code JIT-compiled; {@code --warmup 0} measures a cold start.
 *
 * <pre>
 *   bench/run DeliveryBenchmark --channel jms --jobs 5000
 *   bench/run DeliveryBenchmark --channel jms --jobs 5000 --tls
 *   bench/run DeliveryBenchmark --channel outbox --jobs 5000
 *   bench/run DeliveryBenchmark --jobs 5000 relay.smtp.max-connections=8      (any relay.x=y is a setting)
 *   bench/run DeliveryBenchmark --jobs 5000 --profile /tmp/relay.jfr      (JFR of the measured jobs)
 * </pre>
 *
 * The broker journal is persistent and synced as in production; the sink is in this JVM on loopback.
 */
public final class DeliveryBenchmark {

    public static void main(String[] args) throws Exception {
        String channel = "jms";
        int jobs = 2000;
        boolean tls = false;
        int consumers = 8; // the relay's default
        String profile = null; // a JFR file: the measured jobs (not the warm-up) are recorded into it
        int idleSeconds = 70; // how long the relay idles after its first job before its resident memory is read
        int warmup = 30000; // jobs sent (and not counted) first, so the measured ones run on JIT-compiled code
        List<String> jvm = new ArrayList<>();
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("relay.") && args[i].contains("=")) { // a setting of the relay
                settings.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
                continue;
            }
            switch (args[i]) {
                case "--jvm" -> jvm.add(args[++i]);
                case "--channel" -> channel = args[++i];
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--idle" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--profile" -> profile = Path.of(args[++i]).toAbsolutePath().toString();
                case "--tls" -> tls = true;
                case "--consumers" -> consumers = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path home = Files.createTempDirectory("relay-bench");
        int brokerPort = BenchSupport.freePort();
        TestSmtpServer.Builder sinkBuilder = TestSmtpServer.builder();
        if (tls) {
            sinkBuilder.starttls(true).login("bench", "bench-pw");
        }
        try (TestSmtpServer sink = sinkBuilder.start();
                RelayProcess relay = new RelayProcess(home).jvmArgs(jvm.toArray(new String[0]))) {
            relay.with("relay.provider", "smtp").with("relay.smtp.host", tls ? "localhost" : "127.0.0.1")
                    .with("relay.smtp.port", String.valueOf(sink.port()))
                    .with("relay.smtp.security", tls ? "starttls" : "none")
                    .with("relay.smtp.auth", tls ? "password" : "none")
                    .with("relay.smtp.from", "bench@example.com")
                    .with("relay.delivery.consumers", String.valueOf(consumers))
                    .with("relay.broker.listen", "127.0.0.1:" + brokerPort)
                    .with("relay.broker.user", "bench").with("relay.broker.password", "bench-pw");
            if (tls) {
                relay.with("relay.smtp.username", "bench").with("relay.smtp.password", "bench-pw")
                        .with("relay.smtp.trust-file", Path.of("src/test/resources/tls/server.pem").toAbsolutePath().toString());
            }
            settings.forEach(relay::with);
            relay.start();
            // one job, then idle: the footprint of a relay that waits for work
            firstJob(sink, brokerPort);
            long startRss = BenchSupport.rssKb(relay.pid());
            Thread.sleep(idleSeconds * 1000L);
            long idleRss = BenchSupport.rssKb(relay.pid());
            int before = 1;
            if (warmup > 0) {
                prepare(channel, home, 0, warmup);
                submit(channel, home, brokerPort, 0, warmup);
                sink.awaitMessages(before + warmup, Duration.ofMinutes(10));
                before += warmup;
            }

            prepare(channel, home, warmup, jobs);
            if (profile != null) {
                relay.jcmd("JFR.start", "name=bench", "settings=profile");
            }
            long relayCpu = BenchSupport.cpuMillis(relay.pid());
            long ownCpu = BenchSupport.cpuMillis(ProcessHandle.current().pid());
            Instant start = Instant.now();
            submit(channel, home, brokerPort, warmup, jobs);
            Instant submitted = Instant.now();
            List<ReceivedMessage> got = sink.awaitMessages(before + jobs, Duration.ofMinutes(10));
            Instant done = got.get(got.size() - 1).receivedAt();
            long peakRss = BenchSupport.peakRssKb(relay.pid());
            relayCpu = BenchSupport.cpuMillis(relay.pid()) - relayCpu;
            if (profile != null) {
                relay.jcmd("JFR.stop", "name=bench", "filename=" + profile);
            }
            ownCpu = BenchSupport.cpuMillis(ProcessHandle.current().pid()) - ownCpu;
            Thread.sleep(idleSeconds * 1000L); // and idle again: does the relay give back what the run took?
            long idleAfterRun = BenchSupport.rssKb(relay.pid());

            List<Long> latencies = new ArrayList<>();
            for (ReceivedMessage m : got.subList(before, got.size())) {
                int i = Integer.parseInt(m.subject().substring("Benchmark ".length()));
                latencies.add(m.receivedAt().toEpochMilli() - HANDED_OVER.get(i));
            }
            Collections.sort(latencies);
            double seconds = Duration.between(start, done).toMillis() / 1000.0;
            BenchSupport.report("%n%-8s %-14s jobs=%d (after %d warm-up jobs) consumers=%d: %.0f msg/s (%.1f s; submitting took %.1f s),"
                            + " latency p50=%d ms p99=%d ms, RSS after the first job=%d MB, idle %d s later=%d MB, peak=%d MB, idle after the run=%d MB, SMTP connections=%d;"
                            + " CPU: relay %.2f ms/job, this JVM (producer and sink) %.2f ms/job%n",
                    channel, tls ? "STARTTLS+AUTH" : "plain", jobs, warmup, consumers, jobs / seconds, seconds,
                    Duration.between(start, submitted).toMillis() / 1000.0,
                    latencies.get(latencies.size() / 2), latencies.get((int) (latencies.size() * 0.99)),
                    startRss / 1024, idleSeconds, idleRss / 1024, peakRss / 1024, idleAfterRun / 1024, sink.connectionCount(),
                    relayCpu / (double) jobs, ownCpu / (double) jobs);
            relay.terminate(Duration.ofSeconds(60));
        }
    }

    /** When each job was handed to the relay (committed to mail.jobs, renamed into the outbox), by number. */
    private static final java.util.Map<Integer, Long> HANDED_OVER = new java.util.concurrent.ConcurrentHashMap<>();
    private static final BenchJobs JOBS = new BenchJobs(Long.toString(System.currentTimeMillis(), 36), 0);

    /** Writes the job files of the outbox channel into a staging folder (not timed). */
    private static void prepare(String channel, Path home, int first, int n) throws IOException {
        if (channel.equals("outbox")) {
            JOBS.stageFiles(home.resolve("staging"), first, n);
        }
    }

    /** Submits jobs first..first+n-1 through the channel. */
    private static void submit(String channel, Path home, int brokerPort, int first, int n) throws Exception {
        switch (channel) {
            case "jms" -> JOBS.postJms(brokerPort, "bench", "bench-pw", first, n, HANDED_OVER::put);
            case "outbox" -> BenchJobs.dropFiles(home.resolve("outbox"), home.resolve("staging"), first, n,
                    HANDED_OVER::put);
            default -> throw new IllegalArgumentException("channel jms or outbox");
        }
    }

    private static void firstJob(TestSmtpServer sink, int brokerPort) throws Exception {
        JOBS.postJms(brokerPort, "bench", "bench-pw", -1, 1, BenchJobs.HandOver.NONE);
        sink.awaitMessages(1, Duration.ofSeconds(60));
    }
}
