package org.outboxrelay.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The jobs the benchmarks hand to a relay, and the three ways of handing them over: a JMS producer on
 * {@code mail.jobs} (committing every 100), files renamed into {@code outbox/}, and HTTP clients posting one job
 * per call. Each job has its own id (so the relay's idempotency check runs as it does for real jobs), one
 * recipient and a plain-text body of a given size.
 */
final class BenchJobs {

    /** Called with the number of a job and the time (epoch ms) it was handed over, for latencies. */
    interface HandOver {
        void at(int job, long epochMillis);

        HandOver NONE = (job, at) -> { };
    }

    private final String runId;
    private final String body;
    private final boolean withIds;

    /**
     * @param runId makes the job ids of this run unique (a relay keeps the ids it sent, and refuses them again)
     * @param bodyBytes size of the text body; 0 for a one-line body
     */
    BenchJobs(String runId, int bodyBytes) {
        this(runId, bodyBytes, true);
    }

    /** @param withIds false: jobs carry no "id", so the relay makes one for each (as for clients that give none) */
    BenchJobs(String runId, int bodyBytes, boolean withIds) {
        this.runId = runId;
        this.body = bodyBytes <= 0 ? null : body(bodyBytes);
        this.withIds = withIds;
    }

    /** The JSON of job number {@code i}. */
    String json(int i, long submittedMillis) {
        String text = body != null ? body : "Hello number " + i;
        String id = withIds ? "\"id\": \"bench-" + runId + "-" + i + "\", " : "";
        return "{" + id + "\"to\": \"r" + i + "@example.com\","
                + " \"subject\": \"Benchmark " + i + "\", \"text\": \"" + text + "\","
                + " \"headers\": {\"X-Bench-Submitted\": \"" + submittedMillis + "\"}}";
    }

    /** Lines of 72 characters (JSON-escaped line breaks), {@code bytes} long, as smtp-source's body of -l bytes. */
    static String body(int bytes) {
        StringBuilder b = new StringBuilder(bytes + bytes / 36);
        int line = 0;
        for (int written = 0; written < bytes; written++) {
            if (line == 72) {
                b.append("\\n");
                line = 0;
            } else {
                b.append((char) ('a' + written % 26));
                line++;
            }
        }
        return b.toString();
    }

    /** Posts jobs first..first+n-1 with one transacted producer, committing every 100. */
    void postJms(int brokerPort, String user, String password, int first, int n, HandOver handOver)
            throws Exception {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
        try (cf; Connection c = cf.createConnection(user, password)) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue("mail.jobs"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            for (int i = 0; i < n; i++) {
                p.send(s.createTextMessage(json(first + i, System.currentTimeMillis())));
                if (i % 100 == 99 || i == n - 1) {
                    s.commit();
                    long now = System.currentTimeMillis();
                    for (int j = i - i % 100; j <= i; j++) {
                        handOver.at(first + j, now);
                    }
                }
            }
        }
    }

    /** Writes the files of jobs first..first+n-1 into a staging folder (not timed: the application's work). */
    void stageFiles(Path staging, int first, int n) throws IOException {
        Files.createDirectories(staging);
        for (int i = first; i < first + n; i++) {
            Files.writeString(staging.resolve(fileName(i)), json(i, System.currentTimeMillis()));
        }
    }

    /**
     * Renames the staged files into the outbox as fast as possible, each with a fresh modification time (a file
     * just written, as the relay sees it): written elsewhere, then renamed, the way applications are told to.
     */
    static void dropFiles(Path outbox, Path staging, int first, int n, HandOver handOver) throws IOException {
        for (int i = first; i < first + n; i++) {
            Path dropped = Files.move(staging.resolve(fileName(i)), outbox.resolve(fileName(i)));
            long now = System.currentTimeMillis();
            Files.setLastModifiedTime(dropped, FileTime.fromMillis(now));
            handOver.at(i, now);
        }
    }

    /** Posts jobs first..first+n-1 to POST /api/v1/mails, one job per call, from {@code clients} threads. */
    void postHttp(int port, String token, int first, int n, int clients, HandOver handOver) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/mails");
        AtomicInteger next = new AtomicInteger(first);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < first + n; i = next.getAndIncrement()) {
                        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json(i, System.currentTimeMillis()),
                                        StandardCharsets.UTF_8))
                                .build();
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 202) {
                            throw new IllegalStateException("job " + i + ": HTTP " + r.statusCode() + " " + r.body());
                        }
                        handOver.at(i, System.currentTimeMillis());
                    }
                    return null;
                }));
            }
            for (Future<Void> w : workers) {
                w.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static String fileName(int i) {
        return String.format("job-%06d.json", i);
    }
}
