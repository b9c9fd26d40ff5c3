package org.outboxrelay.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.outboxrelay.console.JobSearch.Criteria;
import org.outboxrelay.console.JobSearch.JobRow;
import org.outboxrelay.console.JobSearch.Page;
import org.flywaydb.core.Flyway;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.JobStatus;
import org.outboxrelay.state.NewJob;
import org.outboxrelay.state.RecipientOutcome;
import org.outboxrelay.state.RecipientOutcomeStore;
import org.outboxrelay.testing.JobHistory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's mail search on the embedded store as the relay opens it (SQLite; PostgreSQL in the benchmark): each criterion,
 * newest first, keyset pages that neither skip nor repeat (ties on created_at included), the windowed search of
 * unindexed criteria going on page after page to the oldest job, and one job with its recipients and history.
 */
class JobSearchTest {

    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;
    private org.outboxrelay.state.StateDatabase db;
    private javax.sql.DataSource ds;
    private JobSearch search;

    @BeforeEach
    void store() throws Exception {
        db = org.outboxrelay.state.StateDatabase.embedded(dir);
        ds = db.dataSource();
        JobHistory.migrated(ds);
        // 30 jobs, one a minute; every third to jane, every fifth failed, job 7 bounced, jobs 20 and 21 at once
        for (int n = 0; n < 30; n++) {
            Instant at = n == 21 ? T0.plusSeconds(60 * 20) : T0.plusSeconds(60L * n);
            String status = n % 5 == 0 ? "FAILED" : "SENT";
            job("job-" + n, status, n % 2 == 0 ? "http" : "jms", n % 4 == 0 ? "Invoice " + n : "Your order " + n, at,
                    "<m" + n + ".relay@example.com>");
            recipient("job-" + n, n % 3 == 0 ? "jane@example.com" : "john" + n + "@example.com",
                    n == 7 ? "bounced" : status.equals("SENT") ? "sent" : "refused");
        }
        event("job-5", "queued", T0.plusSeconds(300), null);
        event("job-5", "failed", T0.plusSeconds(302), "550 5.1.1 User unknown");
        search = new JobSearch(ds, 8, 3);
    }

    private void job(String id, String status, String channel, String subject, Instant at, String messageId)
            throws Exception {
        update("INSERT INTO mail_job (id, status, channel, admission, attempts, message_id, created_at, updated_at,"
                + " subject, from_address) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, 'shop@example.com')", id, status,
                channel, "a-" + id, messageId, Timestamp.from(at), Timestamp.from(at), subject);
    }

    private void recipient(String id, String address, String status) throws Exception {
        update(JdbcJobStateStore.INSERT_RECIPIENT, id, address, status, null, Timestamp.from(T0), id);
    }

    private void event(String id, String status, Instant at, String reply) throws Exception {
        update("INSERT INTO job_event (job_id, at, status, attempt, smtp_reply) VALUES (?, ?, ?, 1, ?)", id,
                Timestamp.from(at), status, reply);
    }

    private void update(String sql, Object... args) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            p.executeUpdate();
        }
    }

    private static Criteria by(String id, String recipient, String subject, String status, String channel) {
        return new Criteria(id, recipient, subject, status, channel, null, null, null, 50);
    }

    private static List<String> ids(Page page) {
        return page.jobs().stream().map(JobRow::id).toList();
    }

    /** Every page of a search, following its cursors. */
    private List<String> allPages(Criteria c) {
        List<String> all = new ArrayList<>();
        String after = null;
        for (int i = 0; i < 100; i++) {
            Page p = search.search(new Criteria(c.id(), c.recipient(), c.subject(), c.status(), c.channel(),
                    c.from(), c.to(), after, c.limit()));
            all.addAll(ids(p));
            if (p.next() == null) {
                return all;
            }
            after = p.next();
        }
        throw new AssertionError("no end");
    }

    @Test
    void findsByIdOrMessageId() {
        assertEquals(List.of("job-12"), ids(search.search(by("job-12", null, null, null, null))));
        assertEquals(List.of("job-12"), ids(search.search(by("<m12.relay@example.com>", null, null, null, null))));
        assertEquals(List.of("job-12"), ids(search.search(by("m12.relay@example.com", null, null, null, null))));
        assertEquals(List.of(), ids(search.search(by("job-99", null, null, null, null))));
    }

    @Test
    void findsByRecipientNewestFirstWhateverItsCase() {
        // jane has 10 jobs: more than the join limit (3), so the search walks windows of 8 jobs
        List<String> jane = allPages(by(null, "Jane@Example.COM", null, null, null));
        assertEquals(List.of("job-27", "job-24", "job-21", "job-18", "job-15", "job-12", "job-9", "job-6", "job-3",
                "job-0"), jane);
        assertEquals(List.of("job-4"), ids(search.search(by(null, "john4@example.com", null, null, null))));
        assertEquals(List.of("job-27", "job-21", "job-15", "job-9", "job-3"), allPages(by(null, "jane@example.com",
                null, null, "jms")));
    }

    @Test
    void findsByStatusChannelAndTime() {
        assertEquals(List.of("job-25", "job-20", "job-15", "job-10", "job-5", "job-0"),
                ids(search.search(by(null, null, null, "failed", null))));
        assertEquals(List.of("job-20", "job-10", "job-0"), ids(search.search(by(null, null, null, "failed",
                "http"))));
        assertEquals(List.of("job-7"), allPages(by(null, null, null, "bounced", null)));
        Page window = search.search(new Criteria(null, null, null, null, null, T0.plusSeconds(60 * 10),
                T0.plusSeconds(60 * 13), null, 50));
        assertEquals(List.of("job-12", "job-11", "job-10"), ids(window));
        assertThrows(IllegalArgumentException.class, () -> search.search(by(null, null, null, "lost", null)));
    }

    @Test
    void findsBySubjectCaseInsensitivelyOverWindows() {
        List<String> invoices = allPages(by(null, null, "INVOICE", null, null));
        assertEquals(List.of("job-28", "job-24", "job-20", "job-16", "job-12", "job-8", "job-4", "job-0"), invoices);
        Page first = search.search(by(null, null, "invoice", null, null));
        assertNotNull(first.note());
        assertTrue(first.note().contains("Looked at the 8 jobs"), first.note());
        assertEquals(List.of("job-8"), ids(search.search(by("job-8", null, "invoice", null, null))));
        assertEquals(List.of(), ids(search.search(by("job-9", null, "invoice", null, null))));
        assertEquals(List.of(), ids(search.search(by(null, null, "100%_", null, null))), "wildcards are literal");
    }

    /** A criterion no index serves (the channel) walks the jobs newest first and stops after a page. */
    @Test
    void aChannelSearchWalksTheTimeIndex() throws Exception {
        JobSearch.Query q = search.query(by(null, null, null, null, "jms"));
        StringBuilder plan = new StringBuilder();
        try (java.sql.Connection c = ds.getConnection();
                java.sql.PreparedStatement p = c.prepareStatement("EXPLAIN QUERY PLAN " + q.sql())) {
            for (int i = 0; i < q.args().size(); i++) {
                p.setObject(i + 1, q.args().get(i));
            }
            try (java.sql.ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    plan.append(r.getString("detail")).append('\n');
                }
            }
        }
        assertTrue(plan.toString().contains("USING INDEX mail_job_created"), plan.toString());
        assertEquals(15, allPages(by(null, null, null, null, "jms")).size());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> search.search(by(null, null, null, null, "smtp")));
        assertTrue(unknown.getMessage().contains("outbox, jms, http"), unknown.getMessage());
    }

    @Test
    void findsBySubjectCaseInsensitivelyBeyondAscii() throws Exception {
        job("umlaut", "SENT", "http", "Ärger mit der Lieferung", T0.plusSeconds(3600), null);
        job("greek", "SENT", "http", "ΣΥΝΑΝΤΗΣΗ αύριο", T0.plusSeconds(3601), null);
        assertEquals(List.of("umlaut"), allPages(by(null, null, "ärger", null, null)));
        assertEquals(List.of("umlaut"), allPages(by(null, null, "ÄRGER MIT", null, null)));
        assertEquals(List.of("greek"), allPages(by(null, null, "συναντηση", null, null)));
    }

    @Test
    void pagesNeitherSkipNorRepeat() {
        // pages of 9: the first ends with job-21, received at the same instant as job-20, which opens the second
        assertEquals("job-21", ids(search.search(new Criteria(null, null, null, null, null, null, null, null, 9)))
                .get(8));
        List<String> all = allPages(new Criteria(null, null, null, null, null, null, null, null, 9));
        assertEquals(30, all.size());
        assertEquals(30, all.stream().distinct().count());
        assertEquals("job-29", all.get(0));
        assertEquals(all.indexOf("job-21") + 1, all.indexOf("job-20"));
        Page last = search.search(new Criteria(null, null, null, null, null, null, null, null, 50));
        assertNull(last.next());
        assertThrows(IllegalArgumentException.class, () -> search.search(new Criteria(null, null, null, null, null,
                null, null, "not-a-cursor", 50)));
    }

    @Test
    void findsARecipientsJobsAsTheRelaysStoreWroteThemNewestFirstPageAfterPage() throws Exception {
        // the relay's own store writes the rows (job_recipient with its job's created_at, which the walk reads);
        // admitted in another order than their times, so that the rows' order on disk is not the list's
        JdbcJobStateStore store = new JdbcJobStateStore(ds, () -> { });
        List<Integer> order = List.of(7, 2, 11, 0, 9, 4, 1, 10, 5, 8, 3, 6);
        for (int n : order) {
            Instant at = T0.plusSeconds(3600 + 60L * n);
            NewJob job = new NewJob("ann-" + n, n % 2 == 0 ? "http" : "jms", "a-ann-" + n, "relay@example.com",
                    "shop@example.com", "Ticket " + n, List.of("Ann@Example.net", "desk" + n + "@example.net"),
                    "relay-1");
            assertTrue(n == 3 || n == 8 ? store.insertFailed(job, 1, "refused", at) : store.insertQueued(job, at));
        }
        // job 3 taken up again an hour later with one more recipient: that row keeps the job's own time
        assertTrue(store.readmit(new NewJob("ann-3", "jms", "a-ann-3b", "relay@example.com", "shop@example.com",
                "Ticket 3", List.of("ann@example.net", "late@example.net"), "relay-1"), JobStatus.FAILED,
                T0.plusSeconds(7200)));
        List<String> newestFirst = List.of("ann-11", "ann-10", "ann-9", "ann-8", "ann-7", "ann-6", "ann-5", "ann-4",
                "ann-3", "ann-2", "ann-1", "ann-0");
        // 12 jobs: more than the join limit (3) and the window (8) of this search; pages of 5 walk the index
        Page first = search.search(new Criteria(null, "ann@example.net", null, null, null, null, null, null, 5));
        assertEquals(newestFirst.subList(0, 5), ids(first));
        assertNull(first.note(), "a walk of the address's own rows, not a window");
        assertEquals(newestFirst, allPages(new Criteria(null, "ann@example.net", null, null, null, null, null, null,
                5)));
        assertEquals(List.of("ann-3"), allPages(by(null, "late@example.net", null, null, null)));
        assertEquals(List.of("ann-5", "ann-4", "ann-3"), allPages(new Criteria(null, "ann@example.net", null, null,
                null, T0.plusSeconds(3600 + 60 * 3), T0.plusSeconds(3600 + 60 * 6), null, 2)));
        // more criteria on an address with more jobs than the join limit: windows of its jobs, the same answer
        assertEquals(List.of("ann-10", "ann-8", "ann-6", "ann-4", "ann-2", "ann-0"), allPages(new Criteria(null,
                "ann@example.net", null, null, "http", null, null, null, 2)));
        assertEquals(List.of("ann-8"), allPages(by(null, "ann@example.net", null, "failed", null)));

        // bounces as the bounce reader records them: a job with two bounced recipients is listed once
        RecipientOutcomeStore outcomes = new RecipientOutcomeStore(ds);
        for (String[] b : List.of(new String[] {"ann-9", "ann@example.net"}, new String[] {"ann-9", "desk9@example.net"},
                new String[] {"ann-2", "desk2@example.net"}, new String[] {"ann-10", "ann@example.net"})) {
            assertTrue(outcomes.record(new RecipientOutcome("relay@example.com", b[0], b[1],
                    RecipientOutcome.Kind.BOUNCED, "5.1.1", "failed", "no such user", "<r-" + b[0] + b[1] + ">",
                    T0.plusSeconds(9000))));
        }
        assertEquals(List.of("ann-10", "ann-9", "ann-2", "job-7"), allPages(new Criteria(null, null, null, "bounced",
                null, null, null, null, 1)));
        assertEquals(List.of("ann-9", "job-7"), allPages(new Criteria(null, null, null, "bounced", "jms", null, null,
                null, 1)));
        // the address's jobs with a bounced recipient (any of them, as for a job status)
        assertEquals(List.of("ann-10", "ann-9", "ann-2"), allPages(by(null, "ann@example.net", null, "bounced",
                null)));
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        db.close();
    }

    /** PostgreSQL's migrations (db/migration) on H2 in its PostgreSQL mode, as an earlier relay's store was. */
    @Test
    void aStoreFromBeforeTheColumnIsSearchableOnceMigrated() throws Exception {
        JdbcDataSource old = new JdbcDataSource();
        old.setURL("jdbc:h2:mem:search-v4-" + System.nanoTime() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
        old.setUser("relay");
        Flyway.configure().dataSource(old).locations("classpath:db/migration").target("4").load().migrate();
        ds = old;
        for (int n = 0; n < 6; n++) {
            job("old-" + n, "SENT", "http", "Old " + n, T0.plusSeconds(60L * n), null);
            update("INSERT INTO job_recipient (job_id, address, status, updated_at) VALUES (?, ?, ?, ?)", "old-" + n,
                    "bob@example.com", n == 4 ? "bounced" : "sent", Timestamp.from(T0.plusSeconds(86_400)));
        }
        JobHistory.migrated(old);
        JobSearch migrated = new JobSearch(old, 8, 3);
        assertEquals(List.of("old-5", "old-4", "old-3", "old-2", "old-1", "old-0"), ids(migrated.search(
                by(null, "bob@example.com", null, null, null))));
        assertEquals(List.of("old-4"), ids(migrated.search(by(null, null, null, "bounced", null))));
    }

    @Test
    void oneJobWithItsRecipientsAndHistory() {
        JobSearch.JobDetail job = search.job("job-5").orElseThrow();
        assertEquals("failed", job.job().status());
        assertEquals(List.of("john5@example.com"), job.recipients().stream().map(JobSearch.Recipient::address)
                .toList());
        assertEquals(List.of("queued", "failed"), job.events().stream().map(JobSearch.Event::status).toList());
        assertEquals("550 5.1.1 User unknown", job.events().get(1).smtpReply());
        assertTrue(search.job("job-99").isEmpty());
    }
}
