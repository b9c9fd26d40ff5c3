package org.outboxrelay.state;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.MutableClock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobAdmissionTest {


    @TempDir
    Path dir;
    JdbcJobStateStore store;
    JobAdmission admission;

    /** The store the tests run on: the embedded SQLite one here, PostgreSQL in {@link JobAdmissionPostgresTest}. */
    protected JdbcJobStateStore openStore() {
        return JdbcJobStateStore.embedded(dir);
    }

    @BeforeEach
    void open() {
        store = openStore();
        admission = new JobAdmission(store, Clock.systemUTC(), "relay@example.com", "test-node");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aJobIdIsAdmittedOnceUntilItFails() {
        assertTrue(admission.admitNew(StoreFixtures.job("a", "http", "t1")).admitted());
        JobAdmission.Decision again = admission.admitNew(StoreFixtures.job("a", "outbox", "t2"));
        assertFalse(again.admitted());
        assertEquals(JobStatus.QUEUED, again.existing());

        StoreFixtures.failed(store, "a", "t1", 1, "550", "550 no");
        assertTrue(admission.admitNew(StoreFixtures.job("a", "http", "t3")).admitted(), "a failed job may be sent again");
        assertEquals("t3", store.find("a").orElseThrow().admission());
    }

    @Test
    void deliveryTellsTheAdmittedCopyFromASecondCopy() {
        assertTrue(admission.admitForDelivery(StoreFixtures.job("j", "jms", "jms:1"), false).admitted(), "first sight admits");
        assertTrue(admission.admitForDelivery(StoreFixtures.job("j", "jms", "jms:1"), false).admitted(), "redelivery of the same copy");
        assertFalse(admission.admitForDelivery(StoreFixtures.job("j", "jms", "jms:2"), false).admitted(), "another copy");
        StoreFixtures.sent(store, "j", "jms:1", 1, "<m@x>", "250 ok", 1, null, java.util.List.of("a@example.com"), Instant.now());
        JobAdmission.Decision sent = admission.admitForDelivery(StoreFixtures.job("j", "jms", "jms:1"), false);
        assertFalse(sent.admitted(), "never twice once sent");
        assertEquals(JobStatus.SENT, sent.existing());
    }

    @Test
    void everyAttemptOfAJobIsToldWhenTheStoreFirstAdmittedIt() {
        // what the job's Message-ID is made of: the same for every attempt, in the store's milliseconds; a clock
        // reading near the end of a millisecond, which PostgreSQL would round up to the next one
        Instant first = Instant.parse("2026-12-02T10:15:30.123999600Z");
        Instant firstInStore = Instant.parse("2026-12-02T10:15:30.123Z");
        MutableClock clock = new MutableClock(first);
        JobAdmission timed = new JobAdmission(store, clock, "relay@example.com", "test-node");

        assertEquals(firstInStore, timed.admitForDelivery(StoreFixtures.job("m", "jms", "jms:1"), false).admittedAt());
        clock.advance(Duration.ofMinutes(5));
        assertEquals(firstInStore, timed.admitForDelivery(StoreFixtures.job("m", "jms", "jms:1"), false).admittedAt(),
                "a redelivered copy");
        assertNull(timed.admitForDelivery(StoreFixtures.job("m", "jms", "jms:2"), false).admittedAt(), "a duplicate");
        StoreFixtures.failed(store, "m", "jms:1", 1, "550", "550 no");
        clock.advance(Duration.ofMinutes(5));
        assertEquals(firstInStore, timed.admitForDelivery(StoreFixtures.job("m", "jms", "jms:3"), false).admittedAt(),
                "a failed job sent again");

        Instant door = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        assertEquals(door, timed.admitNew(StoreFixtures.job("h", "http", "http:1")).admittedAt());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(door, timed.admitForDelivery(StoreFixtures.job("h", "http", "http:1"), true).admittedAt(),
                "admitted at the door");
    }

    @Test
    void aSecondCopyCannotOverwriteTheFirstOnesStatus() {
        admission.admitNew(StoreFixtures.job("k", "http", "t1"));
        assertFalse(StoreFixtures.failed(store, "k", "other", 1, "x", null));
        assertFalse(store.insertFailed(StoreFixtures.job("k", "jms", "other"), 1, "x", Instant.now()));
        assertEquals(JobStatus.QUEUED, store.find("k").orElseThrow().status());
    }

    @Test
    void aCopyTheDeliveryRouteAdmittedFirstIsStillAdmittedAtTheDoor() {
        // HTTP queues first and admits then; the delivery route may have taken the copy in between
        assertTrue(admission.admitForDelivery(StoreFixtures.job("h", "http", "http:1"), true).admitted());
        StoreFixtures.failed(store, "h", "http:1", 1, "550 no", "550 no");
        assertTrue(admission.admitNew(StoreFixtures.job("h", "http", "http:1")).admitted(), "the same copy");
        assertTrue(admission.admitQueued(StoreFixtures.job("h", "http", "http:1")).admitted(), "the same copy, read first");
        assertEquals(JobStatus.FAILED, store.find("h").orElseThrow().status(), "its outcome stays");
        assertTrue(admission.admitNew(StoreFixtures.job("q", "http", "http:2")).admitted());
        assertFalse(admission.admitNew(StoreFixtures.job("q", "http", "http:3")).admitted(), "another copy of a queued job");
    }

    @Test
    void theHttpDoorOnlyReadsACopyTheDeliveryRouteAdmittedFirst() {
        // the usual order under load: the queue hands the job to the delivery route before the door admits it
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T17:00:00.250Z"));
        AtomicInteger inserts = new AtomicInteger();
        JobAdmission door = new JobAdmission(StoreFixtures.counting(store, "insertQueued", inserts), clock,
                "relay@example.com", "test-node");

        assertTrue(door.admitForDelivery(StoreFixtures.job("h", "http", "http:1"), true).admitted());
        int delivery = inserts.get();
        clock.advance(Duration.ofMillis(3));
        JobAdmission.Decision atTheDoor = door.admitQueued(StoreFixtures.job("h", "http", "http:1"));
        assertTrue(atTheDoor.admitted());
        assertTrue(atTheDoor.fresh(), "new to the relay: the door counts it as received");
        assertEquals(Instant.parse("2026-12-02T17:00:00.250Z"), atTheDoor.admittedAt(), "the delivery route's admission");
        assertEquals(delivery, inserts.get(), "no insert that could change nothing");

        // the door first (the delivery route is busy): it inserts; another copy of the id is a duplicate
        JobAdmission.Decision first = door.admitQueued(StoreFixtures.job("q", "http", "http:2"));
        assertTrue(first.admitted() && first.fresh());
        assertEquals(delivery + 1, inserts.get());
        JobAdmission.Decision second = door.admitQueued(StoreFixtures.job("q", "http", "http:3"));
        assertFalse(second.admitted());
        assertEquals(JobStatus.QUEUED, second.existing());
        // a failed job may be submitted again
        StoreFixtures.failed(store, "q", "http:2", 1, "550 no", "550 no");
        JobAdmission.Decision again = door.admitQueued(StoreFixtures.job("q", "http", "http:4"));
        assertTrue(again.admitted() && again.fresh(), "a failed job submitted again is a new job");
        assertEquals("http:4", store.find("q").orElseThrow().admission());
    }

    @Test
    void theDoorsReadTheJobsOwnRowNotItsRecipients() {
        // a door sends nothing: it tells a job id by the job's row (status, admission token, when admitted); the
        // recipients' rows that find reads with it are the delivery route's
        AtomicInteger finds = new AtomicInteger();
        JobAdmission door = new JobAdmission(StoreFixtures.counting(store, "find", finds), Clock.systemUTC(),
                "relay@example.com", "test-node");

        assertTrue(door.admitNew(StoreFixtures.job("r", "outbox", "t1")).admitted());
        JobAdmission.Decision same = door.admitNew(StoreFixtures.job("r", "outbox", "t1"));
        assertTrue(same.admitted(), "the same copy");
        assertEquals(java.util.List.of(), same.sentRecipients());
        assertTrue(door.admitQueued(StoreFixtures.job("r", "http", "t1")).admitted(), "the same copy, read first");
        JobAdmission.Decision other = door.admitQueued(StoreFixtures.job("r", "http", "t2"));
        assertFalse(other.admitted());
        assertEquals(JobStatus.QUEUED, other.existing());
        StoreFixtures.failed(store, "r", "t1", 1, "550 no", "550 no");
        assertTrue(door.admitNew(StoreFixtures.job("r", "http", "t3")).admitted(), "a failed job submitted again");
        assertEquals(0, finds.get(), "no read of the recipients at a door");

        JobSeen seen = store.seen("r").orElseThrow();
        JobRecord full = store.find("r").orElseThrow();
        assertEquals(new JobSeen("r", full.status(), full.admission(), full.createdAt()), seen);
        assertEquals("t3", seen.admission());
        assertTrue(store.seen("never-seen").isEmpty());
    }

    @Test
    void survivesReopening() {
        admission.admitNew(StoreFixtures.job("p", "http", "t1"));
        StoreFixtures.sent(store, "p", "t1", 1, "<m@x>", "250 ok", 2, null, java.util.List.of("a@x.org", "b@x.org"), Instant.now());
        store.close();
        store = openStore();
        JobRecord r = store.find("p").orElseThrow();
        assertEquals(JobStatus.SENT, r.status());
        assertEquals("<m@x>", r.messageId());
        assertEquals(2, r.accepted());
        assertEquals(java.util.List.of("a@x.org", "b@x.org"), r.sentRecipients());
    }

    @Test
    void oldJobsAreForgotten() {
        admission.admitNew(StoreFixtures.job("old", "http", "t1"));
        assertEquals(1, store.deleteUpdatedBefore(Instant.now().plusSeconds(1)));
        assertTrue(store.find("old").isEmpty());
    }

    @Test
    void oldJobsAreForgottenInBatchesOldestFirst() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 5; i++) {
            assertTrue(store.insertQueued(StoreFixtures.job("batch-" + i, "http", "t1"), t0.plusSeconds(i)));
        }
        assertTrue(store.insertQueued(StoreFixtures.job("recent", "http", "t1"), t0.plus(java.time.Duration.ofDays(9))));
        // 2 + 2 + 1: three transactions, until one forgets fewer than a batch
        assertEquals(5, store.deleteUpdatedBefore(t0.plus(java.time.Duration.ofDays(1)), 2));
        for (int i = 0; i < 5; i++) {
            assertTrue(store.find("batch-" + i).isEmpty());
            assertEquals(0, store.history("batch-" + i, 10).size(), "its history goes with it");
        }
        assertEquals(JobStatus.QUEUED, store.find("recent").orElseThrow().status());
        assertEquals(0, store.deleteUpdatedBefore(t0.plus(java.time.Duration.ofDays(1)), 2));
    }

    @Test
    void aJobIsForgottenByItsLastUpdateNotByItsAge() {
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        assertTrue(store.insertQueued(StoreFixtures.job("long", "http", "t1"), created));
        assertTrue(store.insertQueued(StoreFixtures.job("idle", "http", "t1"), created));
        // "long" waited and was sent much later, "idle" was never touched again
        Instant sentAt = created.plus(java.time.Duration.ofDays(10));
        assertTrue(StoreFixtures.sent(store, "long", "t1", 3, "<l@x>", "250 ok", 1, null, java.util.List.of("a@x.org"),
                sentAt));
        assertEquals(1, store.deleteUpdatedBefore(created.plus(java.time.Duration.ofDays(5))));
        assertTrue(store.find("idle").isEmpty());
        assertEquals(JobStatus.SENT, store.find("long").orElseThrow().status());
        assertEquals(2, store.history("long", 10).size(), "its history stays with it");
        assertEquals(1, store.deleteUpdatedBefore(sentAt.plusSeconds(1)));
        assertTrue(store.find("long").isEmpty());
        assertEquals(0, store.history("long", 10).size(), "its history goes with it");
    }
}
