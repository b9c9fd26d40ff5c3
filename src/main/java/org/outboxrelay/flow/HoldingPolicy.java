package org.outboxrelay.flow;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;

/**
 * What the delivery route's policies share (the account's pause, the job store's gate, the storage guard): the
 * routes they are the policy of, a thread of their own that looks at their condition, and holding those routes'
 * consumers through the one {@link ConsumerHolds} - never from a consumer's own thread.
 */
public abstract class HoldingPolicy extends RoutePolicySupport {

    private final Map<Route, Boolean> routes = new ConcurrentHashMap<>();
    private final ConsumerHolds holds;
    private final String threadName;
    private ScheduledExecutorService ticker;

    protected HoldingPolicy(ConsumerHolds holds, String threadName) {
        this.holds = holds;
        this.threadName = threadName;
    }

    @Override
    public void onInit(Route route) {
        routes.put(route, Boolean.TRUE);
    }

    @Override
    public void onRemove(Route route) {
        routes.remove(route);
        holds.forget(route);
    }

    /** From now until the policy stops, {@link #tick()} runs every {@code period} on the policy's own thread. */
    protected void startTicking(Duration initialDelay, Duration period) {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One look at the condition; must not throw (a scheduled task that throws is never run again). */
    protected abstract void tick();

    /** Holds the consumers of this policy's routes for {@code reason}, or lets them go. */
    protected void holdAll(String reason, boolean hold) {
        holds.setAll(List.copyOf(routes.keySet()), reason, hold);
    }

    @Override
    protected void doStop() throws Exception {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        super.doStop();
    }
}
