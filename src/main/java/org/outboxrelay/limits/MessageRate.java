package org.outboxrelay.limits;

import java.time.Duration;

import javax.sql.DataSource;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import org.outboxrelay.state.StateStoreException;

/**
 * relay.limits.messages-per-minute for the account, as a token bucket (Bucket4j): in the shared PostgreSQL store
 * (every relay takes from the same bucket, a row of {@code rate_limit_bucket}, under {@code SELECT ... FOR
 * UPDATE}), or in memory with the embedded store (one relay).
 *
 * <p>The bucket holds one token and refills N tokens per {@code period x (N+1)/N}. In any window of one period
 * at most 1 + N²/(N+1) &lt; N + 1 tokens can be taken - never more than N, whenever the window starts - and the
 * account sends at N²/(N+1) per period, evenly spaced (one message every 2 s for 30 a minute), which is what
 * Microsoft's throttling wants. A token is taken just before the message goes to the SMTP server; a crash
 * after that wastes it (the relay then sends less), never more.
 */
public final class MessageRate {

    private final Bucket bucket;
    private final int limit;

    private MessageRate(Bucket bucket, int limit) {
        this.bucket = bucket;
        this.limit = limit;
    }

    /** No limit (relay.limits.messages-per-minute=0). */
    public static MessageRate unlimited() {
        return new MessageRate(null, 0);
    }

    /** A bucket of this relay's own (the embedded store: one relay). */
    public static MessageRate local(int limit, Duration period) {
        if (limit <= 0) {
            return unlimited();
        }
        return new MessageRate(Bucket.builder().addLimit(l -> l.capacity(1)
                .refillGreedy(limit, refillPeriod(limit, period))).build(), limit);
    }

    /** The bucket of the account in the shared store, for every relay. */
    public static MessageRate shared(DataSource dataSource, String account, int limit, Duration period) {
        if (limit <= 0) {
            return unlimited();
        }
        BucketConfiguration config = BucketConfiguration.builder()
                .addLimit(l -> l.capacity(1).refillGreedy(limit, refillPeriod(limit, period))).build();
        Bucket bucket = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("rate_limit_bucket").idColumn("id").stateColumn("state")
                .build().builder()
                // a relay started with another limit or period takes the new configuration over
                .withImplicitConfigurationReplacement(configVersion(limit, period),
                        TokensInheritanceStrategy.PROPORTIONALLY)
                .build("messages:" + account, () -> config);
        return new MessageRate(bucket, limit);
    }

    static Duration refillPeriod(int limit, Duration period) {
        return Duration.ofNanos(period.toNanos() / limit * (limit + 1));
    }

    private static long configVersion(int limit, Duration period) {
        return (long) limit * 1_000_003L + period.toMillis();
    }

    /** Takes a token: zero when taken, else how long until the next one. */
    public Duration tryTake() {
        if (bucket == null) {
            return Duration.ZERO;
        }
        try {
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            return probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
        } catch (RuntimeException e) {
            throw new StateStoreException("cannot take from the account's message rate", e);
        }
    }

    public boolean limited() {
        return bucket != null;
    }

    public int limit() {
        return limit;
    }
}
