package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * V3__deliverability.sql and its stores on both databases the relay runs on, migrated by the relay itself: the
 * embedded SQLite and PostgreSQL 15. The same checks run on each.
 */
class DeliverabilityStoresTest {

    static final String ACCOUNT = "Sender@Example.com";
    static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    @Test
    void embeddedSqlite() throws Exception {
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            // as the relay opens it: the embedded store's list with its index
            exercise(db.dataSource(), SuppressionStore.onlyWriter(db.dataSource()));
        }
    }

    @Test
    void postgres15() throws Exception {
        String url = org.outboxrelay.testing.TestPostgres.get().newDatabase();
        try (StateDatabase db = StateDatabase.open(new StateSettings(url, "relay", null, 4, dir), "test")) {
            exercise(db.dataSource(), new SuppressionStore(db.dataSource()));
        }
    }

    private void exercise(DataSource ds, SuppressionStore list) throws Exception {
        StateDatabase.migrate(ds); // at every start: changes nothing

        assertTrue(list.add(new Suppression(ACCOUNT, "", "Gone@Example.org", SuppressionReason.HARD_BOUNCE,
                "5.1.1 no such user", "job-1", T0)));
        assertFalse(list.add(new Suppression(ACCOUNT, "", "gone@example.org", SuppressionReason.MANUAL, null, null,
                T0)), "an address is on a list once; the first reason stays");
        assertTrue(list.add(new Suppression(ACCOUNT, "newsletter", "left@example.org", SuppressionReason.UNSUBSCRIBE,
                null, null, T0.plusSeconds(1))));
        assertTrue(list.add(new Suppression("other@example.com", "", "left@example.org", SuppressionReason.MANUAL,
                null, null, T0)), "per account");

        List<String> recipients = List.of("GONE@example.org", "left@example.org", "fine@example.org");
        Map<String, Suppression> plain = list.suppressed(ACCOUNT, null, recipients);
        assertEquals(Set.of("gone@example.org"), plain.keySet(), "a job of no list: only account-wide entries");
        assertEquals(SuppressionReason.HARD_BOUNCE, plain.get("gone@example.org").reason());
        Map<String, Suppression> newsletter = list.suppressed(ACCOUNT, "newsletter", recipients);
        assertEquals(Set.of("gone@example.org", "left@example.org"), newsletter.keySet());
        assertEquals("unsubscribe from newsletter", newsletter.get("left@example.org").describe());
        assertEquals(Set.of(), list.suppressed(ACCOUNT, "offers", List.of("left@example.org")).keySet());

        assertEquals(2, list.count(ACCOUNT));
        assertEquals(List.of("Gone@Example.org", "left@example.org"),
                list.list(ACCOUNT, null, null, 0, 100).stream().map(Suppression::address).toList());
        assertEquals(1, list.list(ACCOUNT, "newsletter", null, 0, 100).size());
        assertEquals(1, list.list(ACCOUNT, null, "GONE@example.org", 0, 100).size());
        assertEquals(0, list.remove(ACCOUNT, "left@example.org", "offers"), "nothing on that list");
        assertEquals(1, list.remove(ACCOUNT, "LEFT@example.org", null));
        assertEquals(Set.of(), list.suppressed(ACCOUNT, "newsletter", List.of("left@example.org")).keySet());

        RecipientOutcomeStore outcomes = new RecipientOutcomeStore(ds);
        RecipientOutcome bounce = new RecipientOutcome(ACCOUNT, "job-1", "Gone@Example.org",
                RecipientOutcome.Kind.BOUNCED, "5.1.1", "failed", "smtp; 550 5.1.1 no such user", "<r1@mx>", T0);
        assertTrue(outcomes.record(bounce));
        assertFalse(outcomes.record(bounce), "the same report is recorded once");
        assertTrue(outcomes.record(new RecipientOutcome(ACCOUNT, "job-2", "slow@example.org",
                RecipientOutcome.Kind.DELAYED, "4.4.7", "delayed", "timeout", "<r2@mx>", T0.plusSeconds(60))));
        assertTrue(outcomes.record(new RecipientOutcome(ACCOUNT, "job-2", "slow@example.org",
                RecipientOutcome.Kind.DELAYED, "4.4.7", "delayed", "timeout", "<r3@mx>", T0.plusSeconds(120))));
        assertTrue(outcomes.record(new RecipientOutcome(ACCOUNT, "job-1", "x@example.org",
                RecipientOutcome.Kind.SUPPRESSED, null, null, "hard-bounce", null, T0)));
        assertFalse(outcomes.record(new RecipientOutcome(ACCOUNT, "job-1", "x@example.org",
                RecipientOutcome.Kind.SUPPRESSED, null, null, "hard-bounce", null, T0.plusSeconds(5))),
                "suppressed once per job, whatever the attempt");
        assertEquals(2, outcomes.forJob("job-1").size());
        assertEquals("smtp; 550 5.1.1 no such user", outcomes.forJob("job-1").get(0).detail());
        assertEquals(1, outcomes.countSince(ACCOUNT, RecipientOutcome.Kind.BOUNCED, T0));
        assertEquals(0, outcomes.countSince(ACCOUNT, RecipientOutcome.Kind.BOUNCED, T0.plusSeconds(1)));
        assertEquals(2, outcomes.countForAddressSince(ACCOUNT, "SLOW@example.org", RecipientOutcome.Kind.DELAYED,
                T0));
        assertEquals(1, outcomes.countForAddressSince(ACCOUNT, "slow@example.org", RecipientOutcome.Kind.DELAYED,
                T0.plusSeconds(90)));

        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO mail_job (id, status, message_id, accepted, attempts, created_at, updated_at)"
                        + " VALUES (?, ?, ?, ?, 1, ?, ?)")) {
            p.setString(1, "job-1");
            p.setString(2, "SENT");
            p.setString(3, "<abc.relay@example.com>");
            p.setInt(4, 3);
            p.setTimestamp(5, Timestamp.from(T0));
            p.setTimestamp(6, Timestamp.from(T0));
            p.executeUpdate();
        }
        assertEquals("job-1", outcomes.jobForMessageId("<abc.relay@example.com>").orElseThrow());
        assertTrue(outcomes.jobForMessageId("<other@example.com>").isEmpty());
        assertEquals(3, outcomes.acceptedSince(ACCOUNT, T0.minusSeconds(1)));
        assertEquals(0, outcomes.acceptedSince(ACCOUNT, T0.plusSeconds(1)));

        ProcessedReportStore reports = new ProcessedReportStore(ds);
        assertTrue(reports.find(ACCOUNT, "<r1@mx>").isEmpty());
        assertTrue(reports.record(new ProcessedReport(ACCOUNT, "<r1@mx>", ProcessedReport.Outcome.HANDLED, "job-1",
                null, T0)));
        assertFalse(reports.record(new ProcessedReport(ACCOUNT, "<r1@mx>", ProcessedReport.Outcome.HANDLED,
                "job-1", null, T0)));
        assertEquals(ProcessedReport.Outcome.HANDLED, reports.find(ACCOUNT.toUpperCase(), "<r1@mx>").orElseThrow()
                .outcome());
        assertEquals(1, reports.count(ACCOUNT, ProcessedReport.Outcome.HANDLED));
        assertEquals(1, reports.deleteBefore(T0.plusSeconds(1)));
        assertEquals(3, outcomes.deleteBefore(T0.plusSeconds(100)));
    }
}
