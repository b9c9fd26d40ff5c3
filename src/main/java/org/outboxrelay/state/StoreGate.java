package org.outboxrelay.state;

import java.sql.Connection;
import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.outboxrelay.flow.ConsumerHolds;
import org.outboxrelay.flow.HoldingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery waits while the job store cannot be reached (PostgreSQL restarting, a network cut): the first job that
 * meets {@link StateStoreException} closes the gate, which stops the delivery route's consumers (the job itself
 * is rolled back and stays on the queue) and says so once; the store is tried every second, and when it answers
 * the consumers start again. As a route policy ({@code routePolicy: accountPause,storeGate}).
 */
public class StoreGate extends HoldingPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(StoreGate.class);

    private final DataSource dataSource;
    private volatile String problem;

    public StoreGate(DataSource dataSource, ConsumerHolds holds) {
        super(holds, "store-gate");
        this.dataSource = dataSource;
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
    protected void doStart() throws Exception {
        super.doStart();
        startTicking(Duration.ofMillis(250), Duration.ofMillis(250));
    }

    private long lastProbe;

    @Override
    protected void tick() {
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
        holdAll("the job store cannot be reached", hold);
    }
}
