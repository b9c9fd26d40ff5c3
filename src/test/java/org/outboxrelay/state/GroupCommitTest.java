package org.outboxrelay.state;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupCommitTest {

    @TempDir
    Path dir;
    StateDatabase db;
    /** Connections the group commit took from the store. */
    final AtomicInteger taken = new AtomicInteger();
    /** The store refuses every connection while this is set. */
    volatile boolean refuse;
    GroupCommit group;
    /** The store as the group commit sees it: counts connections, refuses them while {@link #refuse} is set. */
    DataSource counting;
    /** The group commit's clock for telling a burst (nanoseconds), moved by hand. */
    final AtomicLong ticks = new AtomicLong();
    final CountDownLatch release = new CountDownLatch(1);
    ExecutorService callers;

    @BeforeEach
    void open() throws SQLException {
        db = StateDatabase.embedded(dir);
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
        }
        counting = StoreFixtures.counting(db.dataSource(), taken, () -> refuse);
        group = new GroupCommit(counting);
        callers = Executors.newFixedThreadPool(5);
    }

    @AfterEach
    void close() {
        callers.shutdownNow();
        db.close();
    }

    private static GroupCommit.Work<Integer> insert(int id) {
        return c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO t VALUES (?)")) {
                p.setInt(1, id);
                return p.executeUpdate();
            }
        };
    }

    /**
     * Row 1 written by a group of its own, held open until {@link #release} is counted down, so that the writes
     * made meanwhile wait and form the next group.
     */
    private Future<Integer> firstHeldOpen() {
        int before = taken.get();
        Future<Integer> first = callers.submit(() -> group.run("first", c -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new SQLException(e);
            }
            return insert(1).run(c);
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> taken.get() == before + 1);
        return first;
    }

    private Future<Integer> write(int id, GroupCommit.Work<Integer> work) {
        return callers.submit(() -> group.run("write " + id, work));
    }

    private static String whatFailed(Future<Integer> answer) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof StateStoreException, e.toString());
        return e.getCause().getMessage().split(":")[0];
    }

    @Test
    void writesThatArriveTogetherShareOneCommitAndAFailingOneFailsAlone() throws Exception {
        Future<Integer> first = firstHeldOpen();
        List<Future<Integer>> next = new ArrayList<>();
        for (int id : new int[] {2, 3, 4, 5}) {
            next.add(write(id, id == 3 ? c -> {
                insert(3).run(c);
                throw new SQLException("broken write");
            } : insert(id)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 4);
        release.countDown();

        assertEquals(1, first.get(10, TimeUnit.SECONDS));
        assertEquals(1, next.get(0).get(10, TimeUnit.SECONDS));
        assertEquals("write 3", whatFailed(next.get(1)));
        assertEquals(1, next.get(2).get(10, TimeUnit.SECONDS));
        assertEquals(1, next.get(3).get(10, TimeUnit.SECONDS));
        assertEquals(List.of(1, 2, 4, 5), ids(), "the broken write left nothing, the others are committed");
        // the first alone, the four together, the broken one again alone
        assertEquals(3, taken.get(), "connections taken");
    }

    @Test
    void aWaitingWriteThatIsInterruptedIsStillAnsweredAndKeepsItsInterrupt() throws Exception {
        Future<Integer> first = firstHeldOpen();
        java.util.concurrent.CompletableFuture<Integer> answer = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Boolean> stillInterrupted = new java.util.concurrent.CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                answer.complete(group.run("write 2", insert(2)));
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
            stillInterrupted.complete(Thread.currentThread().isInterrupted());
        }, "interrupted-writer");
        writer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 1);
        writer.interrupt();
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.getState() == Thread.State.WAITING);
        assertEquals(1, group.waiting(), "it waits on for its group");
        release.countDown();

        assertEquals(1, first.get(10, TimeUnit.SECONDS));
        assertEquals(1, answer.get(10, TimeUnit.SECONDS), "its write is answered, not abandoned");
        assertTrue(stillInterrupted.get(10, TimeUnit.SECONDS), "and its thread learns of the interrupt after it");
        assertEquals(List.of(1, 2), ids());
    }

    @Test
    void whenTheStoreFailsEveryWriteOfTheGroupFailsAtOnce() throws Exception {
        Future<Integer> first = firstHeldOpen();
        List<Future<Integer>> next = new ArrayList<>();
        for (int id : new int[] {2, 3, 4}) {
            next.add(write(id, insert(id)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 3);
        refuse = true; // the store goes away while they wait
        release.countDown();

        assertEquals(1, first.get(10, TimeUnit.SECONDS));
        for (int i = 0; i < 3; i++) {
            assertEquals("write " + (i + 2), whatFailed(next.get(i)));
        }
        assertEquals(2, taken.get(), "one connection tried for the group, not one per write");
        refuse = false;
        assertEquals(List.of(1), ids());
    }

    @Test
    void aWriteDuringAnotherGathersItsGroupUpToTheDelay() throws Exception {
        // a delay far longer than the test: only the gathered writes can end the wait
        group = new GroupCommit(counting, Duration.ofMinutes(10), 3, ticks::get);
        assertEquals(1, write(2, insert(2)).get(10, TimeUnit.SECONDS), "the first write never waits");

        ticks.addAndGet(Duration.ofHours(1).toNanos()); // a quiet hour: the next write does not wait either
        Future<Integer> first = firstHeldOpen();
        Future<Integer> second = write(3, insert(3)); // arrives while the first is being written: a burst
        await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 1);
        release.countDown();
        assertEquals(1, first.get(10, TimeUnit.SECONDS));
        // the second leads now, and waits for company: it takes no connection until two more writes came
        assertEquals(2, taken.get(), "connections taken: the first write, the held group");

        Future<Integer> third = write(4, insert(4));
        Future<Integer> fourth = write(5, insert(5));
        assertEquals(1, second.get(10, TimeUnit.SECONDS));
        assertEquals(1, third.get(10, TimeUnit.SECONDS));
        assertEquals(1, fourth.get(10, TimeUnit.SECONDS));
        assertEquals(3, taken.get(), "the three gathered writes share one connection and one commit");
        assertEquals(List.of(1, 2, 3, 4, 5), ids());
    }

    @Test
    void aWriteSoonAfterTheOneBeforeGathersToo() throws Exception {
        group = new GroupCommit(counting, Duration.ofMinutes(10), 2, ticks::get);
        assertEquals(1, write(1, insert(1)).get(10, TimeUnit.SECONDS));
        ticks.addAndGet(Duration.ofMillis(1).toNanos()); // within the delay of the one before: a burst
        Future<Integer> second = write(2, insert(2)); // another thread of the pool than the first
        Future<Integer> third = write(3, insert(3));
        assertEquals(1, second.get(10, TimeUnit.SECONDS));
        assertEquals(1, third.get(10, TimeUnit.SECONDS));
        assertEquals(2, taken.get(), "the first alone, the second and third together");
        assertEquals(List.of(1, 2, 3), ids());
    }

    @Test
    void aThreadsSecondWriteSoonAfterItsFirstDoesNotWait() throws Exception {
        group = new GroupCommit(counting, Duration.ofMinutes(10), 2, ticks::get);
        // a lone job: its admission, then its outcome a moment later, on the same thread
        Future<Integer> both = callers.submit(() -> {
            group.run("admission", insert(1));
            ticks.addAndGet(Duration.ofMillis(1).toNanos());
            return group.run("outcome", insert(2));
        });
        assertEquals(1, both.get(10, TimeUnit.SECONDS), "not held for the 10-minute delay");
        assertEquals(List.of(1, 2), ids());
    }

    @Test
    void aGatheringLeaderWritesWhatItHasWhenTheDelayIsOver() throws Exception {
        group = new GroupCommit(counting, Duration.ofMillis(200), 10, ticks::get);
        Future<Integer> first = firstHeldOpen();
        Future<Integer> second = write(2, insert(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 1);
        long released = System.nanoTime();
        release.countDown();

        assertEquals(1, first.get(10, TimeUnit.SECONDS));
        assertEquals(1, second.get(10, TimeUnit.SECONDS), "written alone once the delay is over");
        assertTrue(System.nanoTime() - released >= Duration.ofMillis(200).toNanos(), "it waited for company first");
        assertEquals(List.of(1, 2), ids());
    }

    @Test
    void manyConcurrentJobsAreAllAdmittedAndRecorded() throws Exception {
        JdbcJobStateStore store = new JdbcJobStateStore(db.dataSource(), () -> { });
        ExecutorService jobs = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(jobs.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        String id = "job-" + thread + "-" + i;
                        assertTrue(store.insertQueued(StoreFixtures.job(id, "jms", "a"), Instant.now()));
                        assertTrue(!store.insertQueued(StoreFixtures.job(id, "http", "b"), Instant.now()),
                                "a second admission of the same id is refused");
                        assertTrue(StoreFixtures.sent(store, id, "a", 1, "<" + id + "@x>", "250 ok", 1, null,
                                List.of("someone@example.com"), Instant.now()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            jobs.shutdownNow();
        }
        for (int t = 0; t < 8; t++) {
            for (int i = 0; i < 100; i++) {
                assertEquals(JobStatus.SENT, store.find("job-" + t + "-" + i).orElseThrow().status());
            }
        }
    }

    private List<Integer> ids() throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id FROM t ORDER BY id")) {
            while (r.next()) {
                ids.add(r.getInt(1));
            }
        }
        return ids;
    }
}
