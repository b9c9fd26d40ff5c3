package org.outboxrelay.state;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay upgraded from a version whose embedded store was H2 ({@code data/state/jobs.mv.db}) keeps what that
 * store knew once it runs on SQLite: a job sent before is still known as sent (and not admitted again), with its
 * history; the suppression list and the day's recipient count go on.
 */
class H2StoreImportTest {

    private static final String ACCOUNT = "relay@example.com";
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void anEarlierVersionsStoreIsMovedIntoSqliteOnce() throws Exception {
        JdbcDataSource h2 = earlierVersionsStore();
        JdbcJobStateStore before = new JdbcJobStateStore(h2, () -> { });
        assertTrue(before.insertQueued(StoreFixtures.job("sent-1", "jms", "jms:1"), T0));
        assertTrue(StoreFixtures.sent(before, "sent-1", "jms:1", 1, "<m1@example.com>", "250 2.0.0 OK", 1, null,
                List.of("ann@example.org"), T0.plusSeconds(1)));
        assertTrue(before.insertQueued(StoreFixtures.job("queued-2", "http", "http:2"), T0.plusSeconds(2)));
        assertTrue(new SuppressionStore(h2).add(new Suppression(ACCOUNT, "", "gone@example.org",
                SuppressionReason.HARD_BOUNCE, "5.1.1", "sent-1", T0)));
        LocalDate today = LocalDate.ofInstant(T0, ZoneOffset.UTC);
        assertTrue(new JdbcRecipientBudget(h2, ACCOUNT).reserve(today, 7, 10));
        int eventsBefore = before.history("sent-1", 50).size();
        // every other table and kind of column: a deferral (next attempt), refusals, a bounce, a report, the
        // account's pause, the console's secret and a signed-out session
        assertTrue(before.insertQueued(StoreFixtures.job("deferred-4", "outbox", "outbox:4"), T0.plusSeconds(4)));
        assertTrue(StoreFixtures.deferred(before, "deferred-4", "outbox:4", 1, T0.plusSeconds(600), "451 4.7.0 later",
                "try again"));
        assertTrue(before.insertQueued(StoreFixtures.job("partly-5", "http", "http:5"), T0.plusSeconds(5)));
        assertTrue(StoreFixtures.sent(before, "partly-5", "http:5", 2, "<m5@example.com>", "250 OK", 1,
                "[{\"address\":\"no@example.org\",\"reply\":\"550 5.1.1\"}]", List.of("yes@example.org"),
                T0.plusSeconds(6)));
        assertTrue(new RecipientOutcomeStore(h2).record(new RecipientOutcome(ACCOUNT, "sent-1", "ann@example.org",
                RecipientOutcome.Kind.BOUNCED, "5.1.1", "failed", "no such user", "<report-1@example.org>",
                T0.plusSeconds(7))));
        assertTrue(new ProcessedReportStore(h2).record(new ProcessedReport(ACCOUNT, "<report-1@example.org>",
                ProcessedReport.Outcome.HANDLED, "sent-1", null, T0.plusSeconds(7))));
        assertTrue(new AccountPauseStore(h2, ACCOUNT).start(0, T0.plusSeconds(900), "535 5.7.139", "sign in again",
                false, "node-a", T0.plusSeconds(8)));
        org.outboxrelay.console.ConsoleSecrets secrets = new org.outboxrelay.console.ConsoleSecrets(h2,
                java.time.Clock.fixed(T0, ZoneOffset.UTC));
        byte[] secret = secrets.secret();
        secrets.signOut("session-1", T0.plusSeconds(3600));

        try (StateDatabase db = StateDatabase.embedded(dir)) {
            // every row of every table, column by column, as the relay reads them
            Files.copy(dir.resolve("jobs.mv.db.imported"), dir.resolve("copy.mv.db"));
            JdbcDataSource copy = new JdbcDataSource();
            copy.setURL("jdbc:h2:file:" + dir.toAbsolutePath().resolve("copy") + ";MODE=PostgreSQL");
            copy.setUser("relay");
            copy.setPassword("");
            List<String> tables;
            try (Connection c = db.dataSource().getConnection()) {
                tables = H2StoreImport.tables(c);
            }
            assertEquals(12, tables.size(), tables.toString());
            int rows = 0;
            for (String table : tables) {
                List<String> imported = rows(db.dataSource(), table);
                assertEquals(rows(copy, table), imported, table);
                rows += imported.size();
            }
            assertEquals(20, rows, "rows compared");
            // and read back through the relay's own code
            assertEquals(1, new RecipientOutcomeStore(db.dataSource()).forJob("sent-1").size());
            assertEquals("sign in again", new AccountPauseStore(db.dataSource(), ACCOUNT).read().fix());
            org.outboxrelay.console.ConsoleSecrets secretsAfter = new org.outboxrelay.console.ConsoleSecrets(
                    db.dataSource(), java.time.Clock.fixed(T0, ZoneOffset.UTC));
            assertArrayEquals(secret, secretsAfter.secret(), "console sessions stay valid");
            assertTrue(secretsAfter.isSignedOut("session-1"));
            assertEquals(T0.plusSeconds(600), new JdbcJobStateStore(db.dataSource(), () -> { }).find("deferred-4")
                    .orElseThrow().nextAttemptAt());
            assertTrue(Files.exists(dir.resolve("jobs.mv.db.imported")), "kept until the operator deletes it");
            assertFalse(Files.exists(dir.resolve("jobs.db.import")));
            JdbcJobStateStore after = new JdbcJobStateStore(db.dataSource(), () -> { });
            JobRecord sent = after.find("sent-1").orElseThrow();
            assertEquals(JobStatus.SENT, sent.status());
            assertEquals("<m1@example.com>", sent.messageId());
            assertEquals(eventsBefore, after.history("sent-1", 50).size(), "its history");
            assertEquals(JobStatus.QUEUED, after.find("queued-2").orElseThrow().status());
            assertFalse(after.insertQueued(StoreFixtures.job("sent-1", "jms", "jms:1"), T0.plusSeconds(60)),
                    "a job id sent before is known: not admitted again");
            assertTrue(new SuppressionStore(db.dataSource()).suppressed(ACCOUNT, null, List.of("Gone@example.org"))
                    .containsKey("gone@example.org"), "the suppression list");
            JdbcRecipientBudget budget = new JdbcRecipientBudget(db.dataSource(), ACCOUNT);
            assertFalse(budget.reserve(today, 4, 10), "7 of 10 were used that day");
            assertTrue(budget.reserve(today, 3, 10));
            // new rows after the imported ones
            assertTrue(after.insertQueued(StoreFixtures.job("new-3", "jms", "jms:3"), T0.plusSeconds(3)));
            assertFalse(after.history("new-3", 5).isEmpty());
        }
        assertTrue(Files.exists(dir.resolve("jobs.db")));
        assertFalse(Files.exists(dir.resolve("jobs.mv.db")), "not imported again at the next start");

        try (StateDatabase again = StateDatabase.embedded(dir)) {
            assertEquals(JobStatus.SENT, new JdbcJobStateStore(again.dataSource(), () -> { }).find("sent-1")
                    .orElseThrow().status(), "the next start opens the SQLite store as it is");
        }
    }

    @Test
    void anImportStoppedHalfwayStartsAgain() throws Exception {
        JdbcDataSource h2 = earlierVersionsStore();
        assertTrue(new JdbcJobStateStore(h2, () -> { }).insertQueued(StoreFixtures.job("j", "jms", "jms:j"), T0));
        // what a relay killed during its import leaves: a partial file, never jobs.db
        Files.writeString(dir.resolve("jobs.db.import"), "half a database");
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            assertTrue(new JdbcJobStateStore(db.dataSource(), () -> { }).find("j").isPresent());
        }
    }

    @Test
    void aStoreThatCannotBeReadStopsTheStartAndIsLeftAsItWas() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("jobs.mv.db"), "not an H2 database");
        StateStoreException e = assertThrows(StateStoreException.class, () -> StateDatabase.embedded(dir));
        assertTrue(e.getMessage().contains("cannot move the embedded job store of an earlier version"),
                e.getMessage());
        assertTrue(Files.exists(dir.resolve("jobs.mv.db")));
        assertFalse(Files.exists(dir.resolve("jobs.db")), "no empty store that would forget what was sent");
        assertFalse(Files.exists(dir.resolve("jobs.db.import")));
    }

    /** A table's rows, each as text (times as epoch milliseconds, days as yyyy-mm-dd), sorted. */
    private static List<String> rows(javax.sql.DataSource ds, String table) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM " + table)) {
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(r.getMetaData().getColumnName(i).toLowerCase(java.util.Locale.ROOT)).append('=')
                            .append(text(r.getObject(i))).append("; ");
                }
                rows.add(row.toString());
            }
        }
        rows.sort(null);
        return rows;
    }

    private static String text(Object value) {
        if (value instanceof java.time.OffsetDateTime t) {
            return String.valueOf(t.toInstant().toEpochMilli());
        }
        if (value instanceof java.sql.Date d) {
            return d.toLocalDate().toString();
        }
        if (value instanceof Number n) {
            return String.valueOf(n.longValue());
        }
        if (value instanceof byte[] b) {
            return java.util.Arrays.toString(b);
        }
        return String.valueOf(value);
    }

    /** The embedded store as versions before SQLite opened and migrated it. */
    private JdbcDataSource earlierVersionsStore() throws Exception {
        Files.createDirectories(dir);
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + dir.toAbsolutePath().resolve("jobs") + ";MODE=PostgreSQL;WRITE_DELAY=0");
        h2.setUser("relay");
        h2.setPassword("");
        StateDatabase.migrate(h2, StateDatabase.Dialect.POSTGRESQL);
        return h2;
    }
}
