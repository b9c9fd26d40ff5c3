package org.outboxrelay.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageIdsTest {

    static final Instant ADMITTED = Instant.parse("2026-12-02T10:15:30.123Z");

    @Test
    void aJobGetsTheSameMessageIdOnEveryAttempt() {
        String id = MessageIds.forJob("order-1", ADMITTED, "example.com");
        assertEquals(id, MessageIds.forJob("order-1", Instant.parse("2026-12-02T10:15:30.123999Z"), "example.com"),
                "the store keeps milliseconds");
        assertTrue(id.matches("<[0-9a-f]{12}\\.[0-9a-f]{20}\\.relay@example\\.com>"), id);
        assertNotEquals(id, MessageIds.forJob("order-2", ADMITTED, "example.com"), "jobs admitted at once differ");
    }

    @Test
    void aMessageIdIsTheSameAcrossVersionsOfTheRelay() {
        // a job admitted by one version and sent again by the next must keep its Message-ID: these are the
        // admission time in 12 hex digits and the first 10 bytes of SHA-256 of the job id (80 bits)
        assertEquals("<01a236408e4b.0bafe22156d2698c143b.relay@example.com>",
                MessageIds.forJob("order-1", ADMITTED, "example.com"));
        assertEquals("<000000000005.0bafe22156d2698c143b.relay@example.com>",
                MessageIds.forJob("order-1", Instant.ofEpochMilli(5), "example.com"), "zero-padded");
        assertEquals("<5975cf1bba432391c94667f5886225f6.relay@example.com>",
                MessageIds.forJob("preview", "example.com"));
    }

    @Test
    void messageIdsOfJobsAdmittedOneAfterAnotherSortOneAfterAnother() {
        // the job store's index of Message-IDs then grows at its end instead of at a random page per job
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            made.add(MessageIds.forJob("job-" + (50 - i), ADMITTED.plusMillis(i * 7L), "example.com"));
        }
        List<String> sorted = new ArrayList<>(made);
        sorted.sort(null);
        assertEquals(made, sorted);
    }

    @Test
    void aJobNotAdmittedGetsTheHashOfItsIdAlone() {
        assertEquals(MessageIds.forJob("preview", "example.com"), MessageIds.forJob("preview", null, "example.com"));
        assertTrue(MessageIds.forJob("preview", "example.com").matches("<[0-9a-f]{32}\\.relay@example\\.com>"));
    }
}
