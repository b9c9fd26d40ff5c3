package org.outboxrelay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.QueuedJob;

/**
 * When to try a transiently failed job again: {@code initial-delay × multiplier^(attempts-1)}, capped at
 * {@code max-delay}, spread by ±20% jitter (so that jobs that failed together do not all come back together,
 * while each delay still grows when the multiplier is at least 1.5), and never later than
 * {@code submitted + give-up-after}. A job already at that limit gives up.
 */
public class RetryPolicy {

    private static final double JITTER = 0.2;

    private final Duration initialDelay;
    private final double multiplier;
    private final Duration maxDelay;
    private final Duration giveUpAfter;
    private final Clock clock;

    public RetryPolicy(Duration initialDelay, double multiplier, Duration maxDelay, Duration giveUpAfter,
            Clock clock) {
        this.initialDelay = initialDelay;
        this.multiplier = multiplier;
        this.maxDelay = maxDelay;
        this.giveUpAfter = giveUpAfter;
        this.clock = clock;
    }

    /** The plan for a job whose attempt just failed: try again at {@code nextAttemptAt}, or give up (expired). */
    public record Decision(boolean expired, Instant nextAttemptAt, Duration delay) {

        public long getNextAttemptEpochMillis() {
            return nextAttemptAt == null ? 0 : nextAttemptAt.toEpochMilli();
        }
    }

    public Decision next(@ExchangeProperty("job") QueuedJob job) {
        return plan(job.getAttempt(), job.getSubmittedAt());
    }

    /** {@code attemptsMade} counts the attempt that just failed. */
    public Decision plan(int attemptsMade, Instant submittedAt) {
        Instant now = clock.instant();
        Instant deadline = submittedAt.plus(giveUpAfter);
        if (!now.isBefore(deadline)) {
            return new Decision(true, null, Duration.ZERO);
        }
        double base = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, attemptsMade - 1));
        double capped = Math.min(base, maxDelay.toMillis());
        double jittered = capped * (1 - JITTER + 2 * JITTER * ThreadLocalRandom.current().nextDouble());
        Duration delay = Duration.ofMillis(Math.max(1, Math.round(Math.min(jittered, maxDelay.toMillis()))));
        Instant next = now.plus(delay);
        if (next.isAfter(deadline)) {
            next = deadline;
            delay = Duration.between(now, deadline);
        }
        return new Decision(false, next, delay);
    }

    public Duration giveUpAfter() {
        return giveUpAfter;
    }
}
