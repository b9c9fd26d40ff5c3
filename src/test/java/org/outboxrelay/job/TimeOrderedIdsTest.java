package org.outboxrelay.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class TimeOrderedIdsTest {

    private static Clock at(long millis) {
        return Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }

    @Test
    void anIdIsAVersion7UuidThatCarriesTheClocksMillisecond() {
        long now = Instant.parse("2026-12-02T16:45:12.345Z").toEpochMilli();
        UUID id = new TimeOrderedIds(at(now)).next();
        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        assertEquals(now, TimeOrderedIds.millisOf(id));
        assertTrue(id.toString().startsWith(String.format("%08x-%04x", now >>> 16, now & 0xFFFF)), id.toString());
        assertThrows(IllegalArgumentException.class, () -> TimeOrderedIds.millisOf(UUID.randomUUID()));
    }

    @Test
    void theTextOfIdsSortsInTheOrderTheyWereMade() {
        long start = Instant.parse("2026-12-02T00:00:00Z").toEpochMilli();
        Random random = new Random(7);
        List<String> made = new ArrayList<>();
        for (long ms = 0; ms < 2_000; ms += 1 + random.nextInt(50)) {
            made.add(new TimeOrderedIds(at(start + ms), random).next().toString());
        }
        List<String> sorted = new ArrayList<>(made);
        sorted.sort(null);
        assertEquals(made, sorted);
    }

    @Test
    void idsMadeInTheSameMillisecondDiffer() {
        TimeOrderedIds ids = new TimeOrderedIds(at(1_700_000_000_000L));
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(seen.add(ids.next()));
        }
    }
}
