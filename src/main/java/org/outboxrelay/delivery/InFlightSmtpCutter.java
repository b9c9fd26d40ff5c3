package org.outboxrelay.delivery;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * relay.shutdown.timeout is a promise: when the relay stops, jobs in flight get that long to finish, and then
 * it stops. Camel gives up waiting after the timeout but still joins the JMS consumer threads, and one blocked
 * on a silent SMTP server would hold the JVM for the whole read timeout. So a moment after the timeout this
 * cuts the SMTP connections still open; their jobs were not acknowledged and stay on the queue.
 */
public class InFlightSmtpCutter extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(InFlightSmtpCutter.class);

    private final SmtpSockets sockets;
    private final Duration after;
    private volatile ScheduledExecutorService timer;

    public InFlightSmtpCutter(SmtpSockets sockets, Duration shutdownTimeout) {
        this.sockets = sockets;
        this.after = shutdownTimeout.plusSeconds(1);
        setIgnoreExchangeEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStoppingEvent
                || event instanceof CamelEvent.CamelContextStoppedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.CamelContextStoppingEvent) {
            ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "smtp-shutdown-cutter");
                thread.setDaemon(true);
                return thread;
            });
            t.schedule(this::cut, after.toMillis(), TimeUnit.MILLISECONDS);
            timer = t;
        } else {
            ScheduledExecutorService t = timer;
            if (t != null) {
                t.shutdownNow();
            }
        }
    }

    private void cut() {
        int n = sockets.abortAll();
        if (n > 0) {
            LOG.warn("Stopping: cut {} SMTP connection(s) still busy after relay.shutdown.timeout; their jobs stay"
                    + " queued and are sent after the restart", n);
        }
    }
}
