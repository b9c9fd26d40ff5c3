package org.outboxrelay.state;

import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;
import org.outboxrelay.flow.ConsumerHolds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery waits while the job store cannot be reached (PostgreSQL restarting, a network cut): the first job that
 * meets {@link StateStoreException} closes the gate, which stops the delivery route's consumers (the job itself
 * is rolled back and stays on the queue) and says so once; the store is tried every second, and when it answers
 * the consumers start again. As a route policy ({@code routePolicy: accountPause,storeGate}).
 */
public class StoreGate extends RoutePolicySupport {

    private static final Logger LOG = LoggerFactory.getLogger(StoreGate.class);

    private final DataSource dataSource;
    private final Map<Route, Boolean> routes = new ConcurrentHashMap<>();
    private final ConsumerHolds holds;
    private volatile String problem;
    private ScheduledExecutorService ticker;

    public StoreGate(DataSource dataSource, ConsumerHolds holds) {
        this.dataSource = dataSource;
        this.holds = holds;
    }

    /** The delivery route met a store failure: stop taking jobs until the store answers again. */
    public void down(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String why = t == null ? "unknown" : StateDatabase.rootMessage(t);
        if (problem == null) {
            problem = "the job store cannot be reached: " + why;
            LOG.warn("Delivery waits: {} (the job stays queued; the store is tried every second)", problem);
        }
    }

    /** Null while the store works, else why delivery waits (for readiness). */
    public String problem() {
        return problem;
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

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "store-gate");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, 250, 250, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        super.doStop();
    }

    private long lastProbe;

    private void tick() {
        if (problem == null) {
            apply(false);
            return;
        }
        apply(true);
        if (System.nanoTime() - lastProbe < 1_000_000_000L) {
            return;
        }
        lastProbe = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            if (c.isValid(2)) {
                LOG.info("The job store answers again: delivery goes on");
                problem = null;
                apply(false);
            }
        } catch (Exception e) {
            LOG.debug("The job store still cannot be reached: {}", e.getMessage());
        }
    }

    /** Holds or lets go the consumers; on this thread only (a JMS consumer must not stop itself). */
    private void apply(boolean hold) {
        for (Route route : routes.keySet()) {
            holds.set(route, "the job store cannot be reached", hold);
        }
    }
}
