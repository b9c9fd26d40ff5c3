package org.outboxrelay.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestSmtpServer;

/**
 * Delivers N jobs through one channel of a relay running as its own JVM (started the way users start it, no
 * JVM options) to a local SMTP sink, and prints messages per second, latency from submission to SMTP acceptance
 * (p50, p99) and the relay's resident memory (idle after start, and peak).
 *
 * <pre>
 *   bench/run DeliveryBenchmark --channel jms --jobs 5000
 *   bench/run DeliveryBenchmark --channel jms --jobs 5000 --tls
 *   bench/run DeliveryBenchmark --channel outbox --jobs 5000
 *   bench/run DeliveryBenchmark --jobs 5000 relay.smtp.max-connections=8      (any relay.x=y is a setting)
 *   bench/run DeliveryBenchmark --jobs 5000 --jvm -XX:StartFlightRecording=filename=/tmp/relay.jfr   (profile)
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
                    .with("relay.outbox.min-age", "100ms")
                    .with("relay.outbox.poll-interval", "100ms")
                    .with("relay.broker.listen", "127.0.0.1:" + brokerPort)
                    .with("relay.broker.user", "bench").with("relay.broker.password", "bench-pw");
            if (tls) {
                relay.with("relay.smtp.username", "bench").with("relay.smtp.password", "bench-pw")
                        .with("relay.smtp.trust-file", Path.of("src/test/resources/tls/server.pem").toAbsolutePath().toString());
            }
            settings.forEach(relay::with);
            relay.start();
            // let the JVM settle, then read the idle footprint
            warmUp(relay, sink, brokerPort);
            long idleRss = BenchSupport.rssKb(relay.pid());

            Instant start = Instant.now();
            if (channel.equals("jms")) {
                postJms(brokerPort, jobs);
            } else if (channel.equals("outbox")) {
                dropFiles(home.resolve("outbox"), jobs);
            } else {
                throw new IllegalArgumentException("channel jms or outbox");
            }
            Instant submitted = Instant.now();
            List<ReceivedMessage> got = sink.awaitMessages(jobs + 1, Duration.ofMinutes(10));
            Instant done = got.get(got.size() - 1).receivedAt();
            long peakRss = BenchSupport.peakRssKb(relay.pid());

            List<Long> latencies = new ArrayList<>();
            for (ReceivedMessage m : got.subList(1, got.size())) {
                long sentAt = Long.parseLong(m.header("X-Bench-Submitted"));
                latencies.add(Duration.between(Instant.ofEpochMilli(sentAt), m.receivedAt()).toMillis());
            }
            Collections.sort(latencies);
            double seconds = Duration.between(start, done).toMillis() / 1000.0;
            BenchSupport.report("%n%-8s %-14s jobs=%d consumers=%d: %.0f msg/s (%.1f s; submitting took %.1f s),"
                            + " latency p50=%d ms p99=%d ms, RSS idle=%d MB peak=%d MB, SMTP connections=%d%n",
                    channel, tls ? "STARTTLS+AUTH" : "plain", jobs, consumers, jobs / seconds, seconds,
                    Duration.between(start, submitted).toMillis() / 1000.0,
                    latencies.get(latencies.size() / 2), latencies.get((int) (latencies.size() * 0.99)),
                    idleRss / 1024, peakRss / 1024, sink.connectionCount());
            relay.terminate(Duration.ofSeconds(60));
        }
    }

    private static String job(int i, long submittedMillis) {
        return "{\"id\": \"bench-" + i + "-" + submittedMillis + "\", \"to\": \"r" + i + "@example.com\","
                + " \"subject\": \"Benchmark " + i + "\", \"text\": \"Hello number " + i + "\","
                + " \"headers\": {\"X-Bench-Submitted\": \"" + submittedMillis + "\"}}";
    }

    private static void warmUp(RelayProcess relay, TestSmtpServer sink, int brokerPort) throws Exception {
        postJms(brokerPort, 0);
        sink.awaitMessages(1, Duration.ofSeconds(60));
    }

    /** Posts jobs with one producer, committing every 100 (a warm-up job when n is 0). */
    private static void postJms(int brokerPort, int n) throws Exception {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
        try (Connection c = cf.createConnection("bench", "bench-pw")) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue("mail.jobs"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            int count = Math.max(1, n);
            for (int i = 0; i < count; i++) {
                TextMessage m = s.createTextMessage(job(n == 0 ? -1 : i, System.currentTimeMillis()));
                p.send(m);
                if (i % 100 == 99) {
                    s.commit();
                }
            }
            s.commit();
        }
    }

    /** Writes job files the recommended way (dot name, then rename), as fast as possible. */
    private static void dropFiles(Path outbox, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            String name = String.format("job-%06d.json", i);
            Path tmp = outbox.resolve("." + name);
            Files.writeString(tmp, job(i, System.currentTimeMillis()));
            Files.move(tmp, outbox.resolve(name));
        }
    }
}
