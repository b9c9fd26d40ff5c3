package org.outboxrelay.state;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded store's suppression list with its index ({@link SuppressionStore#onlyWriter}): a job none of whose
 * recipients was ever on the list reads nothing from the store; every address on it, from before the start or
 * added since, is found as it was without the index.
 */
class SuppressionIndexTest {

    static final String ACCOUNT = "sender@example.com";
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path dir;
    StateDatabase db;
    /** Connections taken from the store through {@link #counting}. */
    final AtomicInteger taken = new AtomicInteger();
    DataSource counting;

    @BeforeEach
    void open() {
        db = StateDatabase.embedded(dir);
        counting = StoreFixtures.counting(db.dataSource(), taken, () -> false);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static Suppression bounced(String address) {
        return new Suppression(ACCOUNT, Suppression.EVERY_LIST, address, SuppressionReason.HARD_BOUNCE,
                "5.1.1 no such user", "job-1", T0);
    }

    @Test
    void recipientsNeverOnTheListReadNothing() {
        // on the list before the relay started: read into the index when the store is opened
        assertTrue(new SuppressionStore(db.dataSource()).add(bounced("Before@Example.org")));
        SuppressionStore list = SuppressionStore.onlyWriter(counting);
        int atStart = taken.get();

        assertEquals(Set.of(), list.suppressed(ACCOUNT, null, List.of("someone@example.org", "other@example.net"))
                .keySet());
        assertEquals(atStart, taken.get(), "no read of the store for addresses never on the list");

        assertEquals(Set.of("before@example.org"), list.suppressed(ACCOUNT, null,
                List.of("someone@example.org", "BEFORE@example.org")).keySet(), "one that was: the store is read");
        assertEquals(atStart + 1, taken.get());

        assertTrue(list.add(bounced("later@example.org")));
        assertEquals(Set.of("later@example.org"), list.suppressed(ACCOUNT, null, List.of("Later@Example.org"))
                .keySet(), "added while the relay runs");
        assertEquals(1, list.remove(ACCOUNT, "later@example.org", null));
        assertEquals(Set.of(), list.suppressed(ACCOUNT, null, List.of("later@example.org")).keySet(),
                "removed: the index only says the store must be read");
    }

    @Test
    void theIndexIsBuiltAgainLargerWhenItFillsAndLosesNothing() {
        SuppressionStore list = SuppressionStore.onlyWriter(counting, 4);
        for (int i = 0; i < 40; i++) {
            assertTrue(list.add(bounced("user" + i + "@example.org")));
        }
        for (int i = 0; i < 40; i++) {
            assertEquals(Set.of("user" + i + "@example.org"),
                    list.suppressed(ACCOUNT, null, List.of("user" + i + "@example.org")).keySet());
        }
        int before = taken.get();
        assertEquals(Set.of(), list.suppressed(ACCOUNT, null, List.of("nobody@example.net")).keySet());
        assertEquals(before, taken.get(), "after four rebuilds an address never added is still not read");
    }
}
