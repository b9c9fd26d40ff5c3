package org.outboxrelay.state;

import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forgets jobs whose status has not changed for relay.status.retention (default 30 days). */
public class JobRetention {

    private static final Logger LOG = LoggerFactory.getLogger(JobRetention.class);

    private final JobStateStore store;
    private final Duration retention;
    private final Clock clock;

    public JobRetention(JobStateStore store, Duration retention, Clock clock) {
        this.store = store;
        this.retention = retention;
        this.clock = clock;
    }

    public int forgetExpired() {
        int n = store.deleteUpdatedBefore(clock.instant().minus(retention));
        if (n > 0) {
            LOG.info("Forgot {} job(s) older than {}", n, retention);
        }
        return n;
    }
}
