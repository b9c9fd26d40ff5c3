package org.outboxrelay.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.outboxrelay.testing.BrokerProcess;
import org.outboxrelay.testing.RecordingSmtpSink;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestPostgres;

/**
 * Messages per second of 1, 2 and 3 relays sharing one external broker (the project's primary/backup pair) and
 * one PostgreSQL store, delivering to an SMTP sink; and the relay CPU per job with the shared PostgreSQL store
 * against the embedded one (SQLite; one relay, same broker). Each relay is its own JVM started as users start it.
 *
 * <pre>bench/run ClusterBenchmark [--jobs N] [--warmup N] [--relays 1,2,3] [relay.x=y ...]</pre>
 */
public final class ClusterBenchmark {

    private ClusterBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = 6000;
        int warmup = 6000;
        List<Integer> sizes = List.of(1, 2, 3);
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--relays" -> sizes = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                default -> {
                    if (!args[i].startsWith("relay.") || !args[i].contains("=")) {
                        throw new IllegalArgumentException("unknown argument " + args[i]);
                    }
                    settings.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
                }
            }
        }
        Path dir = Files.createTempDirectory("cluster-bench");
        Map<String, String> results = new LinkedHashMap<>();
        for (int n : sizes) {
            Result r = run(dir.resolve("pg-" + n), n, TestPostgres.get().newDatabase(), jobs, warmup, settings);
            results.put(n + " relay(s), PostgreSQL", r.toString());
        }
        Result embedded = run(dir.resolve("embedded"), 1, null, jobs, warmup, settings);
        results.put("1 relay, embedded store (SQLite)", embedded.toString());
        results.forEach((k, v) -> BenchSupport.report("%s: %s", k, v));
    }

    /** What one run measured. */
    record Result(int jobs, double perSecond, double cpuMsPerJob, int duplicates) {
        @Override
        public String toString() {
            return String.format("%d jobs, %.0f messages/s, relay CPU %.2f ms per job, %d duplicates", jobs, perSecond,
                    cpuMsPerJob, duplicates);
        }
    }

    private static Result run(Path dir, int relays, String stateUrl, int jobs, int warmup,
            Map<String, String> settings) throws Exception {
        Files.createDirectories(dir);
        BrokerProcess[] brokers = BrokerProcess.pair(dir.resolve("brokers"));
        List<RelayProcess> started = new ArrayList<>();
        try (RecordingSmtpSink sink = new RecordingSmtpSink()) {
            brokers[0].start();
            brokers[1].start();
            for (int i = 1; i <= relays; i++) {
                RelayProcess relay = new RelayProcess(dir.resolve("relay-" + i)).jvmArgs()
                        .with("relay.node.id", "bench-" + i)
                        .with("relay.provider", "smtp")
                        .with("relay.smtp.host", "127.0.0.1")
                        .with("relay.smtp.port", String.valueOf(sink.port()))
                        .with("relay.smtp.security", "none")
                        .with("relay.smtp.auth", "none")
                        .with("relay.smtp.from", "relay@example.com")
                        .with("relay.broker.url", BrokerProcess.failoverUrl(brokers))
                        .with("relay.broker.user", BrokerProcess.USER)
                        .with("relay.broker.password", BrokerProcess.PASSWORD);
                settings.forEach(relay::with);
                if (stateUrl != null) {
                    relay.with("relay.state.url", stateUrl).with("relay.state.user", "relay");
                }
                started.add(relay.start());
            }
            send(brokers, "warm-", warmup);
            sink.awaitDistinct(warmup, Duration.ofMinutes(20));
            long cpuBefore = 0;
            for (RelayProcess r : started) {
                cpuBefore += BenchSupport.cpuMillis(r.pid());
            }
            long t0 = System.nanoTime();
            send(brokers, "job-", jobs);
            sink.awaitDistinct(warmup + jobs, Duration.ofMinutes(20));
            double seconds = (System.nanoTime() - t0) / 1e9;
            long cpuAfter = 0;
            for (RelayProcess r : started) {
                cpuAfter += BenchSupport.cpuMillis(r.pid());
            }
            int duplicates = sink.duplicates().values().stream().mapToInt(x -> x - 1).sum();
            return new Result(jobs, jobs / seconds, (cpuAfter - cpuBefore) / (double) jobs, duplicates);
        } finally {
            for (RelayProcess r : started) {
                r.close();
            }
            for (BrokerProcess b : brokers) {
                b.close();
            }
        }
    }

    private static void send(BrokerProcess[] brokers, String prefix, int n) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(BrokerProcess.failoverUrl(brokers),
                BrokerProcess.USER, BrokerProcess.PASSWORD);
                jakarta.jms.Connection c = cf.createConnection()) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue("mail.jobs"));
            for (int i = 0; i < n; i++) {
                TextMessage m = s.createTextMessage("{\"to\": \"someone@example.com\", \"subject\": \"" + prefix + i
                        + "\", \"text\": \"hello\"}");
                m.setStringProperty("jobId", prefix + i);
                p.send(m);
                if (i % 100 == 99) {
                    s.commit();
                }
            }
            s.commit();
        }
    }
}
