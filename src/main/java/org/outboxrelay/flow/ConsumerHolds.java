package org.outboxrelay.flow;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Consumer;
import org.apache.camel.Route;
import org.apache.camel.Suspendable;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who holds a route's consumer stopped, and why: the account's pause, the job store out of reach, a full disk.
 * Several route policies may hold the same consumer; it runs again only when none of them holds it any more, so
 * one policy ending its hold never starts a consumer another one still holds (the store coming back during an
 * account pause must not start sending). Called from the policies' own threads only: a JMS consumer must not be
 * stopped from one of its listener threads.
 */
public final class ConsumerHolds {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerHolds.class);

    private final Map<Consumer, Set<String>> holders = new ConcurrentHashMap<>();

    /** {@code holder} holds the route's consumer ({@code hold}), or lets it go. */
    public synchronized void set(Route route, String holder, boolean hold) {
        Consumer consumer = route.getConsumer();
        if (consumer == null) {
            return;
        }
        Set<String> held = holders.computeIfAbsent(consumer, c -> new HashSet<>());
        boolean wasHeld = !held.isEmpty();
        boolean changed = hold ? held.add(holder) : held.remove(holder);
        if (!changed) {
            return;
        }
        try {
            if (!wasHeld && hold) {
                if (consumer instanceof Suspendable) {
                    ServiceHelper.suspendService(consumer);
                } else {
                    ServiceHelper.stopService(consumer);
                }
                LOG.info("Stopped taking jobs from {}: {}", route.getRouteId(), holder);
            } else if (wasHeld && held.isEmpty()) {
                if (ServiceHelper.isSuspended(consumer)) {
                    ServiceHelper.resumeService(consumer);
                } else {
                    ServiceHelper.startService(consumer);
                }
                LOG.info("Taking jobs from {} again", route.getRouteId());
            }
        } catch (Exception e) {
            LOG.warn("Cannot {} the consumer of {}: {}", hold ? "stop" : "start", route.getRouteId(), e.getMessage());
        }
    }

    /** Whether anyone holds the consumer of this route. */
    public boolean held(Route route) {
        Set<String> held = holders.get(route.getConsumer());
        return held != null && !held.isEmpty();
    }

    /** Forgets a route that was removed (a live reload): its new consumer starts unheld. */
    public synchronized void forget(Route route) {
        holders.remove(route.getConsumer());
    }
}
