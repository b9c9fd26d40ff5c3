package org.outboxrelay.state;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobAdmissionTest {

    @TempDir
    Path dir;
    JdbcJobStateStore store;
    JobAdmission admission;

    @BeforeEach
    void open() {
        store = JdbcJobStateStore.embedded(dir);
        admission = new JobAdmission(store, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aJobIdIsAdmittedOnceUntilItFails() {
        assertTrue(admission.admitNew("a", "http", "t1").admitted());
        JobAdmission.Decision again = admission.admitNew("a", "outbox", "t2");
        assertFalse(again.admitted());
        assertEquals(JobStatus.QUEUED, again.existing());

        store.markFailed("a", "t1", 1, null, "550", "550 no", Instant.now());
        assertTrue(admission.admitNew("a", "http", "t3").admitted(), "a failed job may be sent again");
        assertEquals("t3", store.find("a").orElseThrow().admission());
    }

    @Test
    void deliveryTellsTheAdmittedCopyFromASecondCopy() {
        assertTrue(admission.admitForDelivery("j", "jms", "jms:1").admitted(), "first sight admits");
        assertTrue(admission.admitForDelivery("j", "jms", "jms:1").admitted(), "redelivery of the same copy");
        assertFalse(admission.admitForDelivery("j", "jms", "jms:2").admitted(), "another copy");
        store.markSent("j", "jms:1", 1, "<m@x>", "250 ok", 1, null, java.util.List.of("a@example.com"), Instant.now());
        JobAdmission.Decision sent = admission.admitForDelivery("j", "jms", "jms:1");
        assertFalse(sent.admitted(), "never twice once sent");
        assertEquals(JobStatus.SENT, sent.existing());
    }

    @Test
    void aSecondCopyCannotOverwriteTheFirstOnesStatus() {
        admission.admitNew("k", "http", "t1");
        assertFalse(store.markFailed("k", "other", 1, null, "x", null, Instant.now()));
        assertFalse(store.insertFailed("k", "jms", "other", 1, "x", Instant.now()));
        assertEquals(JobStatus.QUEUED, store.find("k").orElseThrow().status());
    }

    @Test
    void aCopyTheDeliveryRouteAdmittedFirstIsStillAdmittedAtTheDoor() {
        // HTTP queues first and admits then; the delivery route may have taken the copy in between
        assertTrue(admission.admitForDelivery("h", "http", "http:1").admitted());
        store.markFailed("h", "http:1", 1, null, "550 no", "550 no", Instant.now());
        assertTrue(admission.admitNew("h", "http", "http:1").admitted(), "the same copy");
        assertEquals(JobStatus.FAILED, store.find("h").orElseThrow().status(), "its outcome stays");
        assertTrue(admission.admitNew("q", "http", "http:2").admitted());
        assertFalse(admission.admitNew("q", "http", "http:3").admitted(), "another copy of a queued job");
    }

    @Test
    void survivesReopening() {
        admission.admitNew("p", "http", "t1");
        store.markSent("p", "t1", 1, "<m@x>", "250 ok", 2, null, java.util.List.of("a@x.org", "b@x.org"), Instant.now());
        store.close();
        store = JdbcJobStateStore.embedded(dir);
        JobRecord r = store.find("p").orElseThrow();
        assertEquals(JobStatus.SENT, r.status());
        assertEquals("<m@x>", r.messageId());
        assertEquals(2, r.accepted());
        assertEquals(java.util.List.of("a@x.org", "b@x.org"), r.sentRecipients());
    }

    @Test
    void oldJobsAreForgotten() {
        admission.admitNew("old", "http", "t1");
        assertEquals(1, store.deleteUpdatedBefore(Instant.now().plusSeconds(1)));
        assertTrue(store.find("old").isEmpty());
    }
}
