package org.outboxrelay.state;

import java.io.PrintWriter;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

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
    CountingDataSource counting;
    GroupCommit group;

    @BeforeEach
    void open() throws SQLException {
        db = StateDatabase.embedded(dir);
        counting = new CountingDataSource(db.dataSource());
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
        }
        group = new GroupCommit(counting, new GroupCommit.Alone() {
            @Override
            public <T> T run(String what, GroupCommit.Work<T> work) {
                try (Connection c = counting.getConnection()) {
                    c.setAutoCommit(false);
                    try {
                        T result = work.run(c);
                        c.commit();
                        return result;
                    } catch (SQLException | RuntimeException e) {
                        c.rollback();
                        throw e;
                    } finally {
                        c.setAutoCommit(true);
                    }
                } catch (SQLException e) {
                    throw new StateStoreException(what, e);
                }
            }
        });
    }

    @AfterEach
    void close() {
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

    @Test
    void writesThatArriveTogetherShareOneCommitAndAFailingOneFailsAlone() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(5);
        try {
            // the first write holds its group open until the next four are waiting: they form the next group
            Future<Integer> first = callers.submit(() -> group.run("first", c -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new SQLException(e);
                }
                return insert(1).run(c);
            }));
            await().atMost(Duration.ofSeconds(10)).until(() -> counting.taken.get() == 1);
            List<Future<Integer>> next = new ArrayList<>();
            for (int id : new int[] {2, 3, 4, 5}) {
                GroupCommit.Work<Integer> work = id == 3 ? c -> {
                    insert(3).run(c);
                    throw new SQLException("broken write");
                } : insert(id);
                next.add(callers.submit(() -> group.run("write " + id, work)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 4);
            release.countDown();

            assertEquals(1, first.get(10, TimeUnit.SECONDS));
            assertEquals(1, next.get(0).get(10, TimeUnit.SECONDS));
            java.util.concurrent.ExecutionException broken = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> next.get(1).get(10, TimeUnit.SECONDS));
            assertTrue(broken.getCause() instanceof StateStoreException, broken.toString());
            assertEquals("write 3", broken.getCause().getMessage().split(":")[0]);
            assertEquals(1, next.get(2).get(10, TimeUnit.SECONDS));
            assertEquals(1, next.get(3).get(10, TimeUnit.SECONDS));
        } finally {
            callers.shutdownNow();
        }
        assertEquals(List.of(1, 2, 4, 5), ids(), "the broken write left nothing, the others are committed");
        // the first alone, the four together, the broken one again alone
        assertEquals(3, counting.taken.get(), "connections taken");
    }

    @Test
    void whenTheStoreFailsEveryWriteOfTheGroupFailsAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            Future<Integer> first = callers.submit(() -> group.run("first", c -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new SQLException(e);
                }
                return insert(1).run(c);
            }));
            await().atMost(Duration.ofSeconds(10)).until(() -> counting.taken.get() == 1);
            List<Future<Integer>> next = new ArrayList<>();
            for (int id : new int[] {2, 3, 4}) {
                next.add(callers.submit(() -> group.run("write " + id, insert(id))));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 3);
            counting.refuse = true; // the store goes away while they wait
            release.countDown();
            assertEquals(1, first.get(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) {
                int n = i;
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> next.get(n).get(10, TimeUnit.SECONDS));
                assertEquals("write " + (n + 2), e.getCause().getMessage().split(":")[0], e.toString());
            }
        } finally {
            callers.shutdownNow();
        }
        assertEquals(2, counting.taken.get(), "one connection tried for the group, not one per write");
        counting.refuse = false;
        assertEquals(List.of(1), ids());
    }

    @Test
    void manyConcurrentJobsAreAllAdmittedAndRecorded() throws Exception {
        JdbcJobStateStore store = new JdbcJobStateStore(db.dataSource(), () -> { });
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(callers.submit(() -> {
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
            callers.shutdownNow();
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

    /** Counts the connections taken. */
    private static final class CountingDataSource implements DataSource {
        final DataSource inner;
        final AtomicInteger taken = new AtomicInteger();
        volatile boolean refuse;

        CountingDataSource(DataSource inner) {
            this.inner = inner;
        }

        @Override
        public Connection getConnection() throws SQLException {
            taken.incrementAndGet();
            if (refuse) {
                throw new SQLException("the store is away", "08001");
            }
            return inner.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            taken.incrementAndGet();
            return inner.getConnection(user, password);
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return inner.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            inner.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            inner.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return inner.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return inner.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return inner.isWrapperFor(iface);
        }
    }
}
