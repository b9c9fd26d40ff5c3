package org.outboxrelay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(30), 2, Duration.ofHours(1),
            Duration.ofDays(2), Clock.fixed(NOW, ZoneOffset.UTC));

    @RepeatedTest(20)
    void delaysGrowWithJitterAndAreCapped() {
        long previous = 0;
        for (int attempt = 1; attempt <= 7; attempt++) {
            long base = (long) (30_000 * Math.pow(2, attempt - 1));
            long d = policy.plan(attempt, NOW).delay().toMillis();
            assertTrue(d >= base * 0.8 && d <= base * 1.2, attempt + ": " + d);
            assertTrue(d > previous, "grows");
            previous = d;
        }
        long capped = policy.plan(20, NOW).delay().toMillis();
        assertTrue(capped >= 3_600_000 * 0.8 && capped <= 3_600_000, String.valueOf(capped));
    }

    @Test
    void neverBeyondTheGiveUpTimeAndThenExpired() {
        Instant submitted = NOW.minus(Duration.ofDays(2)).plusSeconds(10);
        RetryPolicy.Decision last = policy.plan(30, submitted);
        assertFalse(last.expired());
        assertEquals(NOW.plusSeconds(10), last.nextAttemptAt());
        assertTrue(policy.plan(31, NOW.minus(Duration.ofDays(2))).expired());
    }
}
