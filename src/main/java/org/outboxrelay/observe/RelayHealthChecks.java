package org.outboxrelay.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.delivery.SmtpConnectionPool;
import org.outboxrelay.storage.StorageGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The readiness checks of the relay (camel-health, served at /observe/health/ready): the broker, the SMTP
 * server (can a connection be made and signed in?), and the account (not paused). A backlog alone is not
 * "down". Each down check says why in its "reason".
 */
public final class RelayHealthChecks {

    private RelayHealthChecks() {
    }

    /**
     * A readiness check that is down while its supplier names a problem: the broker (the embedded one is
     * running, or the external one accepts a connection) and the job store (delivery waits for it, see
     * StoreGate).
     */
    public static class Problem extends AbstractHealthCheck {
        private final Supplier<String> problem;

        public Problem(String id, Supplier<String> problem) {
            super("relay", id);
            this.problem = problem;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            String p = problem.get();
            if (p == null) {
                builder.up();
            } else {
                builder.detail("reason", p).message(p).down();
            }
        }
    }

    /**
     * The SMTP server: down while the latest attempt to connect (and sign in) failed. When that is all it knows,
     * or it knows nothing recent, it tries a connection itself (at most every probe interval), so that
     * readiness recovers without waiting for a job.
     */
    public static class Smtp extends AbstractHealthCheck {
        private static final Logger LOG = LoggerFactory.getLogger(Smtp.class);
        private final SmtpConnectionPool pool;
        private final Duration probeInterval;
        private final Clock clock;
        private volatile Instant lastProbe = Instant.EPOCH;

        public Smtp(SmtpConnectionPool pool, Duration probeInterval, Clock clock) {
            super("relay", "smtp");
            this.pool = pool;
            this.probeInterval = probeInterval;
            this.clock = clock;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            SmtpConnectionPool.ConnectState state = pool.lastConnect();
            boolean stale = state == null || (!state.ok() && Instant.now().isAfter(state.at().plus(probeInterval)));
            if (stale && clock.instant().isAfter(lastProbe.plus(probeInterval))) {
                lastProbe = clock.instant();
                try {
                    pool.probe();
                } catch (Exception e) {
                    LOG.debug("SMTP probe failed: {}", e.getMessage());
                }
                state = pool.lastConnect();
            }
            builder.detail("connections.open", pool.openCount());
            if (state == null || state.ok()) {
                builder.up();
            } else {
                builder.detail("reason", "cannot connect to the SMTP server: " + state.failure())
                        .detail("since", state.at().toString())
                        .message("cannot connect to the SMTP server: " + state.failure()).down();
            }
        }
    }

    /** The account: down while delivery is paused (sign-in refused, quota, throttling, daily budget). */
    public static class Account extends AbstractHealthCheck {
        private final AccountPause pause;

        public Account(AccountPause pause) {
            super("relay", "account");
            this.pause = pause;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            AccountPause.Status s = pause.status();
            if (!s.paused()) {
                builder.up();
            } else {
                String reason = "account paused until " + s.until() + ": " + s.reason();
                builder.detail("reason", reason).detail("until", s.until().toString());
                if (s.fix() != null) {
                    builder.detail("fix", s.fix()); // what a person can do about it, from the reply table
                }
                builder.message(reason).down();
            }
        }
    }

    /**
     * Storage: down while the relay takes no work because data/ (or outbox/) has less than relay.data.min-free,
     * or its embedded broker stopped; it comes back by itself.
     */
    public static class Storage extends AbstractHealthCheck {
        private final StorageGuard guard;

        public Storage(StorageGuard guard) {
            super("relay", "storage");
            this.guard = guard;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            StorageGuard.Status s = guard.status();
            if (s.ok()) {
                builder.up();
            } else {
                String reason = "taking no jobs: " + s.reason();
                builder.detail("reason", reason).detail("since", s.since().toString()).message(reason).down();
            }
        }
    }
}
