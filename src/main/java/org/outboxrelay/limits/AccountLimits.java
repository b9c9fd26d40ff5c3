package org.outboxrelay.limits;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import org.outboxrelay.delivery.AccountBusyException;

/**
 * The delivery route's step for relay.limits.messages-per-minute across relays ({@code accountLimits.takeMessage}):
 * a token from the account's {@link MessageRate} bucket for each message. The next token is usually a moment
 * away: the job waits for it here, up to {@code inlineWait}; when the wait would be longer (a burst met a small
 * limit), the job goes back on the queue until about then instead of holding a consumer (jittered, so that jobs
 * do not all come back at once).
 */
public class AccountLimits {

    private final MessageRate rate;
    private final Duration inlineWait;
    private final Clock clock;

    public AccountLimits(MessageRate rate, Duration inlineWait, Clock clock) {
        this.rate = rate;
        this.inlineWait = inlineWait;
        this.clock = clock;
    }

    public void takeMessage() throws AccountBusyException, InterruptedException {
        if (!rate.limited()) {
            return;
        }
        long deadline = System.nanoTime() + inlineWait.toNanos();
        while (true) {
            Duration wait = rate.tryTake();
            if (wait.isZero()) {
                return;
            }
            // a little jitter, so the relays' consumers do not all knock at the same moment
            long sleep = wait.toNanos() + ThreadLocalRandom.current().nextLong(Math.max(1, wait.toNanos() / 10) + 1_000_000);
            if (System.nanoTime() + sleep > deadline) {
                Instant until = clock.instant().plusNanos(sleep + ThreadLocalRandom.current().nextLong(
                        Math.max(1, wait.toNanos() / 2) + 1));
                throw new AccountBusyException(AccountBusyException.Cause.MESSAGE_RATE, "the account's limit of " + rate.limit() + " messages per period"
                        + " (relay.limits.messages-per-minute) is used up for now", until);
            }
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
    }

    public MessageRate rate() {
        return rate;
    }
}
