package org.outboxrelay.state;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;

/**
 * Which addresses may be on the embedded store's suppression list: a Bloom filter of every {@code address_lower}
 * in the table, of any account and list. An address it has never seen is on no list, and the job's look-up needs
 * no read of the store; for the others (and one in a hundred of the rest, by chance) the store is read as before.
 * Reading the store cost a tenth of the CPU of a job (README, "Performance"): SQLite drops a connection's page
 * cache whenever another connection committed, which the job store's group commits do all the time.
 *
 * <p>Only for the embedded store, which this relay alone writes: every write to the list goes through
 * {@link #adding}, which puts the address in the filter before the row is written, both under one lock with the
 * filter's rebuild. A look-up that does not find the address in the filter therefore ran before the row was
 * written, exactly as if it had read the store. A shared store (PostgreSQL) has other relays writing to it, so
 * it is read at every job. Removed addresses stay in the filter (a Bloom filter cannot forget): they only cost a
 * read, until the next start or rebuild.
 *
 * <p>The filter holds {@code max(minCapacity, 2 × the rows)} addresses at a 1% false-positive rate (about 1.2
 * bytes per address: 120 KB for 100,000); when as many addresses were added since, it is built again from the
 * table, twice as large.
 */
final class SuppressionIndex {

    static final int MIN_CAPACITY = 100_000;
    private static final double FALSE_POSITIVES = 0.01;

    private final LongSupplier rows;
    private final Consumer<Consumer<String>> allKeys;
    private final int minCapacity;
    private volatile BloomFilter<CharSequence> filter;
    /** Addresses the filter was sized for, and how many it holds (at least: rows at build plus adds since). */
    private long capacity;
    private long held;

    /**
     * @param rows    how many rows the table has, read when the filter is built
     * @param allKeys hands every {@code address_lower} in the table to its argument, row by row
     */
    SuppressionIndex(LongSupplier rows, Consumer<Consumer<String>> allKeys, int minCapacity) {
        this.rows = rows;
        this.allKeys = allKeys;
        this.minCapacity = minCapacity;
        synchronized (this) {
            build();
        }
    }

    /** False when none of these keys ({@link Suppression#key}) is on any list; true when one may be. */
    boolean mayHoldAny(Collection<String> keys) {
        BloomFilter<CharSequence> f = filter;
        for (String k : keys) {
            if (f.mightContain(k)) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code write}, which puts {@code key} on the list, with the key in the filter first. */
    synchronized <T> T adding(String key, Supplier<T> write) {
        if (held >= capacity) {
            build();
        }
        filter.put(key);
        held++;
        return write.get();
    }

    private void build() {
        long size = Math.max(minCapacity, 2 * rows.getAsLong());
        BloomFilter<CharSequence> f = BloomFilter.create(Funnels.stringFunnel(StandardCharsets.UTF_8), size,
                FALSE_POSITIVES);
        long[] read = new long[1];
        allKeys.accept(k -> {
            f.put(k);
            read[0]++;
        });
        capacity = size;
        held = read[0];
        filter = f;
    }
}
