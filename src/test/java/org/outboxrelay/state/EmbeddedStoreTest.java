package org.outboxrelay.state;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.SQLExceptionOverride;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded SQLite store's own rules: one writer at a time, and connections that cannot be trusted again. */
class EmbeddedStoreTest {

    @TempDir
    Path dir;

    /**
     * A job sent in parts records each part's recipients while other jobs write. Its transaction must start with
     * a write: one that read first and met another connection's commit before its own write failed at once
     * (SQLITE_BUSY), without waiting its turn.
     */
    @Test
    void aPartsRecipientsWaitTheirTurnBehindAnotherWriter() throws Exception {
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            JdbcJobStateStore store = new JdbcJobStateStore(db.dataSource(), () -> { });
            assertTrue(store.insertQueued(StoreFixtures.job("parts", "jms", "jms:1"), Instant.now()));
            try (Connection other = db.dataSource().getConnection(); Statement s = other.createStatement()) {
                other.setAutoCommit(false);
                s.executeUpdate("UPDATE mail_job SET attempts = attempts + 1 WHERE id = 'parts'"); // its write lock
                CompletableFuture<Boolean> part = CompletableFuture.supplyAsync(() -> store.addSentRecipients("parts",
                        "jms:1", List.of("ann@example.org"), Instant.now()));
                // the other writer holds the lock a moment, as a group of jobs does, while the part waits for it
                Thread.sleep(300);
                other.commit();
                assertTrue(part.get(10, TimeUnit.SECONDS));
            }
            assertEquals(RecipientState.SENT, store.find("parts").orElseThrow().recipients().get(0).status());
        }
    }

    /**
     * A job is read with its recipients in one statement, in address order; a job recorded before recipients had
     * rows keeps its sent ones as a JSON list on the job's row, and a row that says a recipient is reached never
     * gives way to one that says it is not.
     */
    @Test
    void aJobIsReadWithItsRecipientsAndTheSentOnesOfItsOldList() throws Exception {
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            JdbcJobStateStore store = new JdbcJobStateStore(db.dataSource(), () -> { });
            NewJob job = new NewJob("mixed", "jms", "jms:1", "relay@example.com", "relay@example.com", "s",
                    List.of("zoe@example.org", "ann@example.org", "bob@example.org"), "node-a");
            assertTrue(store.insertQueued(job, Instant.now()));
            assertTrue(store.insertQueued(new NewJob("none", "jms", "jms:2", "relay@example.com",
                    "relay@example.com", "s", List.of(), "node-a"), Instant.now()));
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE mail_job SET sent_recipients = '[\"Bob@example.org\", \"old@example.org\"]'"
                        + " WHERE id = 'mixed'");
            }
            List<RecipientState> recipients = store.find("mixed").orElseThrow().recipients();
            assertEquals(List.of("bob@example.org", "old@example.org", "ann@example.org", "zoe@example.org"),
                    recipients.stream().map(RecipientState::address).toList());
            assertEquals(List.of("bob@example.org", "old@example.org"), store.find("mixed").orElseThrow()
                    .sentRecipients());
            assertEquals(List.of(), store.find("none").orElseThrow().recipients());
            assertEquals("none", store.find("none").orElseThrow().id());
            assertFalse(store.find("unknown").isPresent());
        }
    }

    /** The store reads no generated keys: the driver must not look them up after each INSERT. */
    @Test
    void noInsertLooksUpItsGeneratedKey() throws Exception {
        String insert = "INSERT INTO processed_report (account, report_id, outcome, processed_at)"
                + " VALUES ('a', 'r', 'ignored', 0)";
        try (StateDatabase db = StateDatabase.embedded(dir); Connection c = db.dataSource().getConnection();
                java.sql.PreparedStatement p = c.prepareStatement(insert)) {
            assertEquals(1, p.executeUpdate());
            try (ResultSet keys = p.getGeneratedKeys()) {
                assertFalse(keys.next(), "no key was looked up");
            }
        }
    }

    /**
     * Each group commit's savepoints journal the pages its writes change again; in a temporary file, SQLite created,
     * wrote and deleted one per group (more pwrite calls than the log itself). The pool's connections and the
     * group commits' own keep that journal, and temporary tables, in memory.
     */
    @Test
    void statementJournalsStayInMemory() throws Exception {
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            for (DataSource source : List.of(db.dataSource(), db.groupWriter())) {
                try (Connection c = source.getConnection(); Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("PRAGMA temp_store")) {
                    assertTrue(r.next());
                    assertEquals(2, r.getInt(1), "2: MEMORY");
                }
            }
        }
    }

    @Test
    void aConnectionThatMetAFailedWriteIsNotUsedAgain() {
        // primary result codes, and extended ones (SQLITE_IOERR_WRITE = 10 | 3 << 8)
        for (int code : List.of(13, 10, 10 | 3 << 8, 11, 7, 14, 26)) {
            assertEquals(SQLExceptionOverride.Override.MUST_EVICT,
                    EmbeddedStoreDataSource.afterFailure(new SQLException("failed", null, code)), "code " + code);
        }
        // a constraint, a busy database, a syntax error: the connection is fine
        for (int code : List.of(19, 2067, 5, 1)) {
            assertEquals(SQLExceptionOverride.Override.CONTINUE_EVICT,
                    EmbeddedStoreDataSource.afterFailure(new SQLException("failed", null, code)), "code " + code);
        }
    }

    /**
     * The job store's group commits write on one connection of their own, never one of the pool's: SQLite drops a
     * connection's page cache whenever another connection committed since, so group commits spread over the pool
     * read every page they touch again. A TEMP trigger lives on one connection only: it sees the store's writes
     * when that connection is the one they go through.
     */
    @Test
    void groupCommitsWriteOnOneConnectionOfTheirOwn() throws Exception {
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            JdbcJobStateStore store = new JdbcJobStateStore(db.dataSource(), db.groupWriter(), () -> { },
                    java.time.Duration.ofMillis(2), 4);
            try (Connection writer = db.groupWriter().getConnection(); Statement s = writer.createStatement()) {
                s.execute("CREATE TEMP TABLE written (id TEXT)");
                s.execute("CREATE TEMP TRIGGER seen AFTER INSERT ON main.mail_job BEGIN"
                        + " INSERT INTO written VALUES (new.id); END");
            }
            List<CompletableFuture<Boolean>> writes = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String id = "job-" + i;
                writes.add(CompletableFuture.supplyAsync(() -> store.insertQueued(StoreFixtures.job(id, "jms",
                        "jms:" + id), Instant.now())));
            }
            for (CompletableFuture<Boolean> w : writes) {
                assertTrue(w.get(10, TimeUnit.SECONDS));
            }
            try (Connection writer = db.groupWriter().getConnection(); Statement s = writer.createStatement();
                    ResultSet r = s.executeQuery("SELECT count(*) FROM written")) {
                assertTrue(r.next());
                assertEquals(8, r.getInt(1), "every admission went through the group's own connection");
            }
            try (Connection pooled = db.dataSource().getConnection(); Statement s = pooled.createStatement()) {
                SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                        () -> s.executeQuery("SELECT count(*) FROM written"));
                assertTrue(e.getMessage().contains("no such table"), e.getMessage());
            }
        }
    }
}
