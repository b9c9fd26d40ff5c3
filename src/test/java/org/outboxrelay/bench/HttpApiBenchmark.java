package org.outboxrelay.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

/**
 * Throughput of the HTTP API, by hand (not a test): starts the real relay (shipped config and YAML routes, as
 * {@link TestRelay} does) against a local SMTP sink ({@link TestSmtpServer}), posts jobs with a few concurrent
 * HTTP clients, and prints
 * <ul>
 * <li>accepted requests per second: 202 answers (each means the job is durably on mail.jobs) per second of
 * submitting;</li>
 * <li>end-to-end jobs per second: jobs accepted by the SMTP sink per second, from the first submission to the
 * last message arriving at the sink.</li>
 * </ul>
 * Run from the project folder:
 * <pre>
 * bench/run HttpApiBenchmark --jobs 2000 --clients 8
 * bench/run HttpApiBenchmark --jobs 5000 --clients 8 --batch 100      # POST /mails/batch, 100 jobs each
 * bench/run HttpApiBenchmark --jobs 2000 relay.delivery.consumers=8 relay.smtp.max-connections=8
 * </pre>
 * Arguments of the form {@code relay.x=y} are settings of the relay. A warm-up of 200 jobs runs first and is
 * not counted.
 */
public final class HttpApiBenchmark {

    private static final String JOB = "{\"to\": \"reader@example.com\", \"subject\": \"Benchmark %d\","
            + " \"text\": \"Hello from the HTTP API benchmark, job %d.\"}";

    public static void main(String[] args) throws Exception {
        int jobs = intArg(args, "--jobs", 2000);
        int clients = intArg(args, "--clients", 8);
        int batch = intArg(args, "--batch", 0);
        int warmup = 200;
        Path home = Files.createTempDirectory("http-api-bench");
        try (TestSmtpServer sink = TestSmtpServer.startPlain()) {
            TestRelay relay = TestRelay.forServer(home, sink);
            for (String a : args) {
                if (a.startsWith("relay.") && a.contains("=")) {
                    relay.with(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
                }
            }
            relay.start();
            try {
                ApiClient api = relay.api();
                submit(api, 0, warmup, clients, batch);
                sink.awaitMessages(warmup, Duration.ofMinutes(5));

                long start = System.nanoTime();
                List<Long> latencies = submit(api, warmup, jobs, clients, batch);
                long submitted = System.nanoTime();
                sink.awaitMessages(warmup + jobs, Duration.ofMinutes(30));
                long delivered = System.nanoTime();

                double submitSeconds = (submitted - start) / 1e9;
                double endToEndSeconds = (delivered - start) / 1e9;
                latencies.sort(null);
                BenchSupport.report("%n%d jobs, %d clients, %s, %d cores%n", jobs, clients,
                        batch > 0 ? "batches of " + batch : "one job per request",
                        Runtime.getRuntime().availableProcessors());
                BenchSupport.report("accepted:    %.0f jobs/s (%d requests in %.2f s; request latency p50 %.1f ms,"
                        + " p99 %.1f ms)%n", jobs / submitSeconds, latencies.size(), submitSeconds,
                        percentile(latencies, 50), percentile(latencies, 99));
                if (batch > 0) {
                    BenchSupport.report("             %.1f requests/s%n", latencies.size() / submitSeconds);
                }
                BenchSupport.report("end to end:  %.0f jobs/s (submission to SMTP acceptance, %.2f s for all)%n",
                        jobs / endToEndSeconds, endToEndSeconds);
            } finally {
                relay.stop();
            }
        }
    }

    /** Posts jobs number {@code from} to {@code from + count - 1}; returns the request latencies (ns). */
    private static List<Long> submit(ApiClient api, int from, int count, int clients, int batch) throws Exception {
        int perRequest = Math.max(1, batch);
        int requests = (count + perRequest - 1) / perRequest;
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<Long>>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            workers.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                for (int r = next.getAndIncrement(); r < requests; r = next.getAndIncrement()) {
                    int first = from + r * perRequest;
                    int last = Math.min(from + count, first + perRequest);
                    long t = System.nanoTime();
                    if (batch > 0) {
                        StringBuilder body = new StringBuilder("[");
                        for (int i = first; i < last; i++) {
                            body.append(i == first ? "" : ",").append(String.format(JOB, i, i));
                        }
                        expect(api.postJson("/api/v1/mails/batch", body.append(']').toString()), 200);
                    } else {
                        expect(api.postJson("/api/v1/mails", String.format(JOB, first, first)), 202);
                    }
                    latencies.add(System.nanoTime() - t);
                }
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> w : workers) {
            all.addAll(w.get());
        }
        pool.shutdown();
        return all;
    }

    private static void expect(ApiClient.Response r, int status) {
        if (r.status() != status || r.body().contains("errors")) {
            throw new IllegalStateException("unexpected answer: " + r);
        }
    }

    private static double percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
        return sorted.get(Math.max(0, i)) / 1e6;
    }

    private static int intArg(String[] args, String name, int defaultValue) {
        int i = Arrays.asList(args).indexOf(name);
        return i >= 0 && i + 1 < args.length ? Integer.parseInt(args[i + 1]) : defaultValue;
    }
}
