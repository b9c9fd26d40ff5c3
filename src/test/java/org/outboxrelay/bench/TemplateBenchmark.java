package org.outboxrelay.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.outboxrelay.job.MailJob;
import org.outboxrelay.template.TemplateRenderer;

/**
 * How fast the render step of the delivery route is, with the shipped templates/: jobs rendered per second
 * (subject, text and HTML with the shared layout; for password-reset also the text derived from the HTML), on
 * one thread and on as many threads as the relay has consumers. Run by hand:
 * {@code bench/run TemplateBenchmark [--jobs 20000] [--threads 4]}.
 */
public final class TemplateBenchmark {

    public static void main(String[] args) throws Exception {
        int jobs = intArg(args, "--jobs", 20_000);
        int threads = intArg(args, "--threads", 4);
        // the relay's default update delay: the cache is checked every 2 s, as in production
        TemplateRenderer renderer = new TemplateRenderer(Path.of("templates"), Duration.ofSeconds(2));
        List<MailJob> kinds = List.of(
                job("welcome", "de-CH", Map.of("name", "Jana", "loginUrl", "https://shop.example.com/login")),
                job("password-reset", null, Map.of("name", "Jane", "resetUrl", "https://shop.example.com/r?t=1",
                        "validHours", 24)));
        for (MailJob kind : kinds) {
            run(renderer, kind, jobs / 4, 1); // warm-up
            BenchSupport.report("%-15s 1 thread:  %,8.0f jobs/s%n", kind.template(), run(renderer, kind, jobs, 1));
            BenchSupport.report("%-15s %d threads: %,8.0f jobs/s%n", kind.template(), threads,
                    run(renderer, kind, jobs, threads));
        }
    }

    private static double run(TemplateRenderer renderer, MailJob job, int jobs, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < jobs / threads; i++) {
                    renderer.complete(job);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        return jobs / ((System.nanoTime() - start) / 1e9);
    }

    private static MailJob job(String template, String locale, Map<String, Object> model) {
        return new MailJob(null, null, null, List.of("jane@example.com"), null, null, null, null, null, template,
                locale, model, null, null);
    }

    private static int intArg(String[] args, String name, int defaultValue) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return defaultValue;
    }
}
