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
import org.outboxrelay.testing.JobHistory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's mail search on the migrations' tables (H2 in PostgreSQL mode, as the relay runs it): each criterion,
 * newest first, keyset pages that neither skip nor repeat (ties on created_at included), the windowed search of
 * unindexed criteria going on page after page to the oldest job, and one job with its recipients and history.
 */
class JobSearchTest {

    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private JdbcDataSource ds;
    private JobSearch search;

    @BeforeEach
    void store() throws Exception {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:search-" + System.nanoTime() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
        ds.setUser("relay");
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
        update("INSERT INTO job_recipient (job_id, address, status, updated_at) VALUES (?, ?, ?, ?)", id, address,
                status, Timestamp.from(T0));
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
