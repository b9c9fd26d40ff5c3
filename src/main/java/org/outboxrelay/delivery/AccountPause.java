package org.outboxrelay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;
import org.outboxrelay.replies.PauseLength;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of the account. An account-level failure (sign-in refused, From not allowed for the
 * account, quota used up, too many connections, Microsoft throttling the sender, TLS not trusted) says nothing
 * about the message, and hammering on makes Microsoft throttle harder: so instead of retrying or dead-lettering
 * job after job, delivery pauses for the whole account. How long is the reply table's say (its {@code pause}
 * column, see {@link PauseLength}): most pauses grow with each failure in a row (relay.account.pause.initial
 * doubling up to relay.account.pause.max; 30m doubling up to 24h for quotas and throttling), too many
 * connections only waits briefly. A pause ends by itself; the first job after it probes the account, and a
 * success closes the breaker again.
 *
 * <p>As the delivery route's policy ({@code routePolicy: accountPause}) it stops that route's JMS consumer for
 * the pause, so queued jobs stay untouched on mail.jobs; {@link #check()} turns back the few already in flight.
 */
public class AccountPause extends RoutePolicySupport {

    private static final Logger LOG = LoggerFactory.getLogger(AccountPause.class);

    /** What health and the operators see: why the account is paused and what fixes it (from the reply table). */
    public record Status(boolean paused, Instant until, String reason, int pausesInARow, String fix) {

        public Status(boolean paused, Instant until, String reason, int pausesInARow) {
            this(paused, until, reason, pausesInARow, null);
        }
    }

    private final Clock clock;
    private final Duration initial;
    private final Duration max;
    private final Map<Route, Boolean> routes = new ConcurrentHashMap<>();
    private final Set<Consumer> suspendedByUs = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService ticker;
    private volatile Instant until = Instant.EPOCH;
    private volatile String reason;
    private volatile String fix;
    private volatile int inARow;

    public AccountPause(Clock clock, Duration initial, Duration max) {
        this.clock = clock;
        this.initial = initial;
        this.max = max;
    }

    /** Turns a job back while the account is paused (it waits on the queue; it is not an attempt). */
    public void check() throws AccountPausedException {
        Instant end = until;
        if (clock.instant().isBefore(end)) {
            throw new AccountPausedException("the account is paused until " + end + ": " + reason, end, false);
        }
    }

    /**
     * Starts (or continues) a pause for an account-level failure and returns when the job may be tried again.
     */
    public synchronized RetryPolicy.Decision pause(@ExchangeProperty("failure") DeliveryFailure failure) {
        Instant now = clock.instant();
        if (now.isBefore(until) && (failure.notBefore() == null || !failure.notBefore().isAfter(until))) {
            return new RetryPolicy.Decision(false, until, Duration.between(now, until));
        }
        Duration length = lengthFor(failure, now);
        inARow++;
        until = now.plus(length);
        reason = failure.reason();
        fix = failure.fix();
        if (fix == null) {
            LOG.warn("Account paused for {} (until {}): {}", human(length), until, reason);
        } else {
            LOG.warn("Account paused for {} (until {}): {}. Fix: {}", human(length), until, reason, fix);
        }
        return new RetryPolicy.Decision(false, until, length);
    }

    private Duration lengthFor(DeliveryFailure failure, Instant now) {
        if (failure.notBefore() != null) {
            return Duration.between(now, failure.notBefore());
        }
        PauseLength length = failure.pause() == null ? PauseLength.GROWING : failure.pause();
        return length.length(initial, max, inARow);
    }

    public Status status() {
        Instant end = until;
        boolean paused = clock.instant().isBefore(end);
        return new Status(paused, paused ? end : null, paused ? reason : null, inARow, paused ? fix : null);
    }

    /** Ends a pause now (an operator fixed the sign-in, say). */
    public synchronized void resumeNow() {
        until = clock.instant();
    }

    @Override
    public void onInit(Route route) {
        routes.put(route, Boolean.TRUE);
    }

    @Override
    public void onRemove(Route route) {
        routes.remove(route);
        suspendedByUs.remove(route.getConsumer());
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        // a job that went out without an account-level failure closes the breaker again
        DeliveryFailure failure = exchange.getProperty("failure", DeliveryFailure.class);
        if (exchange.getException() == null && (failure == null || !failure.isAccountLevel())
                && exchange.getProperty("result") != null && inARow > 0 && !status().paused()) {
            synchronized (this) {
                inARow = 0;
                LOG.info("Account sending again");
            }
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "account-pause");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::applyToConsumers, 250, 250, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        super.doStop();
    }

    /**
     * Stops the consumers of the routes during a pause and starts them again after it. Runs on its own thread
     * only: a JMS consumer must not be stopped from one of its own listener threads.
     */
    private void applyToConsumers() {
        boolean paused = clock.instant().isBefore(until);
        for (Route route : routes.keySet()) {
            Consumer consumer = route.getConsumer();
            if (consumer == null) {
                continue;
            }
            try {
                if (paused && suspendedByUs.add(consumer)) {
                    suspendOrStopConsumer(consumer);
                    LOG.info("Stopped taking jobs from {} while the account is paused", route.getRouteId());
                } else if (!paused && suspendedByUs.remove(consumer)) {
                    resumeOrStartConsumer(consumer);
                    LOG.info("Taking jobs from {} again", route.getRouteId());
                }
            } catch (Exception e) {
                LOG.warn("Cannot {} the consumer of {}: {}", paused ? "pause" : "resume", route.getRouteId(),
                        e.getMessage());
            }
        }
    }

    private static String human(Duration d) {
        return JobLedger.human(d);
    }
}
