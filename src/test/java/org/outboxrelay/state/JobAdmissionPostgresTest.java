package org.outboxrelay.state;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.outboxrelay.testing.TestPostgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job store's rules on PostgreSQL, the store several relays share: the same tests as on the embedded SQLite, plus relays
 * racing to admit the same ids.
 */
class JobAdmissionPostgresTest extends JobAdmissionTest {

    private String url;

    @Override
    protected JdbcJobStateStore openStore() {
        if (url == null) {
            url = TestPostgres.get().newDatabase();
        }
        StateDatabase db = StateDatabase.open(new StateSettings(url, "relay", null, 8, dir), "test");
        return new JdbcJobStateStore(db.dataSource(), db);
    }

    @Test
    void relaysStartingTogetherOnAnEmptyDatabaseTakeTurnsMigratingIt() throws Exception {
        int relays = 6;
        ExecutorService starting = Executors.newFixedThreadPool(relays);
        try {
            for (int round = 0; round < 3; round++) {
                String empty = TestPostgres.get().newDatabase();
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(relays);
                List<Future<StateDatabase>> opened = new ArrayList<>();
                for (int i = 0; i < relays; i++) {
                    String node = "node-" + i;
                    opened.add(starting.submit(() -> {
                        together.await();
                        return StateDatabase.open(new StateSettings(empty, "relay", null, 4, dir), node);
                    }));
                }
                for (Future<StateDatabase> f : opened) {
                    try (StateDatabase db = f.get()) { // before the lock, some failed: "Unable to baseline"
                        assertTrue(db.newerSchema().isEmpty());
                    }
                }
            }
        } finally {
            starting.shutdownNow();
        }
    }

    /** What runs on two relays sharing the one database, with threads to make their calls at once. */
    private interface OnTwoRelays {
        void run(JobAdmission a, JobAdmission b, ExecutorService pool) throws Exception;
    }

    private void onTwoRelays(OnTwoRelays test) throws Exception {
        JdbcJobStateStore second = openStore();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            test.run(new JobAdmission(store, Clock.systemUTC(), "relay@example.com", "node-a"),
                    new JobAdmission(second, Clock.systemUTC(), "relay@example.com", "node-b"), pool);
        } finally {
            pool.shutdownNow();
            second.close();
        }
    }

    @Test
    void relaysAdmittingTheSameIdsAtOnceAdmitEachExactlyOnce() throws Exception {
        onTwoRelays((a, b, pool) -> {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "race-" + i;
                for (int copy = 0; copy < 4; copy++) {
                    JobAdmission admission = copy % 2 == 0 ? a : b;
                    String token = "t-" + copy;
                    Callable<Boolean> admit = copy < 2
                            ? () -> admission.admitNew(StoreFixtures.job(id, "http", token)).admitted()
                            : () -> admission.admitForDelivery(StoreFixtures.job(id, "jms", token), false).admitted();
                    results.add(pool.submit(admit));
                }
            }
            int admitted = 0;
            for (Future<Boolean> f : results) {
                admitted += f.get() ? 1 : 0;
            }
            assertEquals(200, admitted, "each id admitted by exactly one of its four copies");
        });
    }

    @Test
    void twoHttpRequestsWithOneIdAdmitOneCopyAtTheDoorAndInDelivery() throws Exception {
        // each request queues its copy (its own admission token), then its door and some relay's delivery route
        // admit that copy at the same time: one copy wins, and the door and the delivery route agree on which
        onTwoRelays((a, b, pool) -> {
            List<List<Future<Boolean>>> byId = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "http-race-" + i;
                List<Future<Boolean>> calls = new ArrayList<>();
                for (String token : List.of("http:1", "http:2")) {
                    JobAdmission door = token.endsWith("1") ? a : b;
                    JobAdmission delivery = token.endsWith("1") ? b : a;
                    calls.add(pool.submit(() -> door.admitQueued(StoreFixtures.job(id, "http", token)).admitted()));
                    calls.add(pool.submit(() -> delivery.admitForDelivery(StoreFixtures.job(id, "http", token), true)
                            .admitted()));
                }
                byId.add(calls);
            }
            for (int i = 0; i < byId.size(); i++) {
                List<Future<Boolean>> calls = byId.get(i);
                boolean copy1 = calls.get(0).get();
                boolean copy2 = calls.get(2).get();
                assertTrue(copy1 != copy2, "exactly one copy of http-race-" + i + " admitted at its door");
                assertEquals(copy1, calls.get(1).get(), "door and delivery agree on copy 1 of http-race-" + i);
                assertEquals(copy2, calls.get(3).get(), "door and delivery agree on copy 2 of http-race-" + i);
            }
        });
    }
}
