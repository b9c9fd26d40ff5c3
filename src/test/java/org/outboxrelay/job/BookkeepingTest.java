package org.outboxrelay.job;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay's own bookkeeping values always pass; what a client could set to harm it never does. */
class BookkeepingTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void valuesTheRelayWritesAreAccepted() {
        List<FieldError> problems = new ArrayList<>();
        assertEquals(Channel.OUTBOX, Bookkeeping.channel("outbox", problems));
        assertEquals(3, Bookkeeping.attempts(3, problems));
        assertEquals(3, Bookkeeping.attempts("3", problems));
        assertEquals(CLOCK.instant(), Bookkeeping.submittedAt(CLOCK.millis(), CLOCK, problems));
        assertEquals("Übersicht März 2026.json", Bookkeeping.outboxFile("Übersicht März 2026.json", Channel.OUTBOX,
                problems));
        assertEquals("a..b.eml", Bookkeeping.outboxFile("a..b.eml", Channel.OUTBOX, problems));
        for (String token : List.of("jms:" + UUID.randomUUID(), "http:" + UUID.randomUUID(),
                "outbox:0123456789abcdef0123456789abcdef")) {
            assertEquals(token, Bookkeeping.admission(token, problems));
        }
        assertEquals("order-4711", Bookkeeping.jobId("order-4711", problems));
        assertEquals("4711", Bookkeeping.jobId(4711L, problems));
        assertEquals(List.of(), problems);
    }

    @Test
    void unsafeOrMistypedValuesAreProblems() {
        for (String name : List.of("../x.json", "..", ".hidden.json", "a/b.json", "a\\b.json", "/etc/passwd",
                "x.txt", "x\n.json", "")) {
            List<FieldError> problems = new ArrayList<>();
            assertNull(Bookkeeping.outboxFile(name, Channel.OUTBOX, problems), name);
            assertEquals("outboxFile", problems.get(0).field(), name);
        }
        List<FieldError> problems = new ArrayList<>();
        Bookkeeping.attempts(1.5, problems);
        Bookkeeping.attempts(Long.MAX_VALUE, problems);
        Bookkeeping.submittedAt(0L, CLOCK, problems);
        Bookkeeping.submittedAt(CLOCK.instant().plusSeconds(2 * 86400).toEpochMilli(), CLOCK, problems);
        Bookkeeping.channel("HTTP ", problems);
        Bookkeeping.admission("jms:has space", problems);
        Bookkeeping.jobId(true, problems);
        Bookkeeping.contentType(new byte[] {1}, problems);
        assertEquals(List.of("relayAttempts", "relayAttempts", "relaySubmittedAt", "relaySubmittedAt", "channel",
                "relayAdmission", "jobId", "contentType"), problems.stream().map(FieldError::field).toList());
        assertTrue(problems.get(4).message().startsWith("\"HTTP \" is not one of outbox, jms, http"));
    }
}
