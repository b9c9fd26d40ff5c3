package org.outboxrelay.state;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

/**
 * Outcomes written straight into a job store, as the delivery route writes them, for tests of what reads them; a
 * store that counts the connections taken from it, or the calls of one of its methods.
 */
public final class StoreFixtures {

    private StoreFixtures() {
    }

    /**
     * {@code store} as code under test sees it: each connection taken is counted in {@code taken}, and refused
     * (SQL state 08001) while {@code refuse} says so.
     */
    public static DataSource counting(DataSource store, AtomicInteger taken, BooleanSupplier refuse) {
        return (DataSource) Proxy.newProxyInstance(StoreFixtures.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        taken.incrementAndGet();
                        if (refuse.getAsBoolean()) {
                            throw new SQLException("the store is away", "08001");
                        }
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code store} as code under test sees it, each call of its method {@code methodName} counted in {@code calls}. */
    public static JobStateStore counting(JobStateStore store, String methodName, AtomicInteger calls) {
        return (JobStateStore) Proxy.newProxyInstance(StoreFixtures.class.getClassLoader(),
                new Class<?>[] {JobStateStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals(methodName)) {
                        calls.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    public static NewJob job(String id, String channel, String admission) {
        return NewJob.bare(id, channel, admission, "test-node");
    }

    public static boolean failed(JobStateStore store, String id, String admission, int attempts, String reason,
            String smtpReply) {
        return store.record(new JobOutcome(id, admission, JobStatus.FAILED, attempts, null, null, smtpReply, reason,
                null, null, null, List.of(), "test-node", Instant.now()));
    }

    public static boolean sent(JobStateStore store, String id, String admission, int attempts, String messageId,
            String reply, int accepted, String refusedJson, List<String> recipients, Instant at) {
        return store.record(new JobOutcome(id, admission, JobStatus.SENT, attempts, messageId, null, reply, null, null,
                accepted, refusedJson, recipients.stream().map(a -> new RecipientState(a, RecipientState.SENT, null))
                        .toList(), "test-node", at));
    }

    public static boolean deferred(JobStateStore store, String id, String admission, int attempts,
            Instant nextAttemptAt, String reply, String reason) {
        return store.record(new JobOutcome(id, admission, JobStatus.DEFERRED, attempts, null, null, reply, reason,
                nextAttemptAt, null, null, List.of(), "test-node", Instant.now()));
    }
}
