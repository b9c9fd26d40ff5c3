package org.outboxrelay.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.outboxrelay.delivery.DeliveryFailure;
import org.outboxrelay.delivery.FailureKind;
import org.outboxrelay.delivery.OutcomeEvent;
import org.outboxrelay.job.QueuedJob;

/**
 * The relay's own Prometheus metrics ({@code outbox_relay_*}), in the registry that camel-micrometer-prometheus
 * scrapes at /observe/metrics. They belong to the relay, not to a route, so they survive a live route reload.
 */
public class RelayMetrics {

    private final MeterRegistry registry;
    private final Clock clock;
    private final Timer latency;
    private final Timer throttleWait;
    private final Map<CounterKey, Counter> counters = new ConcurrentHashMap<>();

    public RelayMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.latency = Timer.builder("outbox.relay.delivery.latency")
                .description("From submission of a job to the SMTP server's acceptance")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofDays(2))
                .register(registry);
        this.throttleWait = Timer.builder("outbox.relay.throttle.wait")
                .description("Time messages waited in the throttle for relay.limits.messages-per-minute")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A job put back on the queue for a moment because the account was busy (a shared limit, a probe). */
    public void postponed(Exchange exchange) {
        org.outboxrelay.delivery.AccountBusyException busy = org.outboxrelay.delivery.AccountBusyException.of(exchange);
        String cause = busy == null ? "unknown" : busy.busyWith().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        Counter.builder("outbox.relay.jobs.postponed")
                .description("Jobs put back on the queue for a moment: the account's shared limits were reached,"
                        + " or another job probed the account")
                .tag("cause", cause).register(registry).increment();
    }

    /** A job accepted by the relay (outbox, http, or first seen on mail.jobs for jms). */
    public void received(String channel) {
        counter("outbox.relay.jobs.received", "Jobs accepted, by channel", "channel", channel).increment();
    }

    /** Counts the outcome event in the body (sent, deferred, failed, duplicate) and its SMTP reply. */
    public void outcome(@Body OutcomeEvent event, Exchange exchange) {
        String channel = event.channel() == null ? "unknown" : event.channel();
        DeliveryFailure failure = exchange.getProperty("failure", DeliveryFailure.class);
        switch (event.status()) {
            case SENT -> {
                counter("outbox.relay.jobs.sent", "Jobs an SMTP server accepted", "channel", channel).increment();
                QueuedJob job = exchange.getProperty("job", QueuedJob.class);
                if (job != null) {
                    latency.record(Duration.between(job.getSubmittedAt(), clock.instant()));
                }
            }
            case DEFERRED -> counter("outbox.relay.jobs.deferred",
                    "Delivery attempts deferred, by reason class (transient or account)", "channel", channel,
                    "reason", failure != null && failure.kind() == FailureKind.ACCOUNT ? "account" : "transient")
                    .increment();
            case FAILED -> counter("outbox.relay.jobs.failed", "Jobs that failed permanently, by reason class",
                    "channel", channel, "reason", reasonClass(failure)).increment();
            case DUPLICATE -> counter("outbox.relay.jobs.duplicate",
                    "Jobs not sent because their id was already sent or queued", "channel", channel).increment();
            // bounced, complained, suppressed: counted per recipient where they are found (bounce(), suppressed())
            default -> {
            }
        }
        String reply = event.smtpReply();
        if (reply != null && reply.length() >= 3 && Character.isDigit(reply.charAt(0))) {
            counter("outbox.relay.smtp.replies", "SMTP replies to delivery attempts, by code", "code",
                    reply.substring(0, 3)).increment();
        }
    }

    /**
     * A counter of the registry, looked up once per name and tags: building its id for every job (tags sorted,
     * hashed, the registry's map consulted) cost more than counting.
     */
    private Counter counter(String name, String description, String... tags) {
        return counters.computeIfAbsent(new CounterKey(name, List.of(tags)),
                k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    private record CounterKey(String name, List<String> tags) {
    }

    /** invalid, policy, template, refused (5xx), expired (gave up), or other. */
    static String reasonClass(DeliveryFailure failure) {
        if (failure == null || failure.reason() == null) {
            return "other";
        }
        String r = failure.reason();
        if (r.startsWith("invalid job") || r.startsWith("duplicate")) {
            return r.startsWith("duplicate") ? "duplicate" : "invalid";
        }
        if (r.startsWith("gave up")) {
            return "expired";
        }
        if (r.startsWith("every recipient is on the suppression list")) {
            return "suppressed";
        }
        if (r.startsWith("template")) {
            return "template";
        }
        if (r.contains("is not allowed") || r.contains("relay.limits.") || r.contains("SMTPUTF8")) {
            return "policy";
        }
        if (failure.code() >= 500) {
            return "refused";
        }
        return "other";
    }

    /** A recipient left out of a job because it is on the suppression list, by the list entry's reason. */
    public void suppressed(String reason) {
        Counter.builder("outbox.relay.suppressed")
                .description("Recipients left out of jobs because they are on the suppression list, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    /** A recipient a bounce report told of: hard (5.x.x) or soft (4.x.x, delayed). */
    public void bounce(String kind) {
        Counter.builder("outbox.relay.bounces").description("Bounced recipients reported by bounce reports, by kind")
                .tag("kind", kind).register(registry).increment();
    }

    /** A recipient that reported a message as junk (ARF). */
    public void complaint() {
        Counter.builder("outbox.relay.complaints").description("Complaints (ARF reports) about sent messages")
                .register(registry).increment();
    }

    /** A message the bounce reader looked at, by what it did with it (handled, uncorrelated, ...). */
    public void bounceReport(String outcome) {
        Counter.builder("outbox.relay.bounce.reports")
                .description("Messages the bounce reader read, by outcome (handled, uncorrelated, not-a-report,"
                        + " unreadable)")
                .tag("outcome", outcome).register(registry).increment();
    }

    public void throttleWaited(long nanos) {
        throttleWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A gauge read at scrape time. */
    public void gauge(String name, String description, String unit, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(description).baseUnit(unit).tags(tags).strongReference(true)
                .register(registry);
    }

    /** A counter whose value is kept elsewhere (a pool's count of opened connections, say). */
    public void functionCounter(String name, String description, Supplier<Number> value) {
        FunctionCounter.builder(name, value, v -> v.get().doubleValue()).description(description).register(registry);
    }

    public static double secondsSince(Instant at, Clock clock) {
        return at == null ? 0 : Math.max(0, Duration.between(at, clock.instant()).toMillis() / 1000.0);
    }
}
