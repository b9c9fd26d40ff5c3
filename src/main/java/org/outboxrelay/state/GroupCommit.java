package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

/**
 * The writes of concurrent jobs in one transaction (group commit). The first caller leads: on one connection it
 * runs its own write and those of every caller that arrived meanwhile, each under a savepoint, and commits once;
 * the others wait for their answer. Each commit is on disk before it returns (the embedded SQLite syncs its log,
 * PostgreSQL its WAL), so one commit for several jobs syncs once instead of once per job, and writes the pages
 * they share (adjacent ids, the same leaves of the time-ordered indexes) once.
 *
 * <p>Each caller gets the answer it would have got alone: a write that fails is rolled back to its savepoint and
 * runs again in a transaction of its own, so it fails alone; when the store itself fails (no connection, the
 * commit), every write of the group fails with it. A leader hands over as soon as its own write is answered, to
 * the oldest write still waiting, so no caller waits for more than its own group and the one before. A waiting
 * caller is woken once, when its write is answered or the lead is handed to it: on this kind of machine a thread
 * woken costs about 13 microseconds, and 16 callers woken after every group cost more than the group saved.
 *
 * <p>Under a burst a group gathers first (as PostgreSQL's {@code commit_delay} with {@code commit_siblings}): a
 * leader whose own write is part of a burst - it arrived while another write was under way, or within
 * {@code delay} of a write by another thread - waits up to {@code delay} for others to join, until {@code gather}
 * writes are waiting. A write after a quiet moment never waits, nor does one thread's write soon after its own
 * (a lone job's outcome after its admission). Without the wait most groups had one or two writes, and cost
 * nearly a file write per job.
 */
final class GroupCommit {

    /** One write, on the group's connection; it must not commit nor roll back. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private static final int MAX_GROUP = 32;

    private final DataSource dataSource;
    private final long delayNanos;
    private final int gather;
    private final LongSupplier nanoTime;
    private final ArrayDeque<Pending<?>> waiting = new ArrayDeque<>();
    /** A thread leads, or the lead was handed to one. */
    private boolean leading;
    /** A leader waits for more writes to join its group: the arrival that completes it wakes it. */
    private boolean gathering;
    /** When the latest write arrived ({@link #nanoTime}), and from which thread (none yet: null). */
    private long lastArrival;
    private Thread lastWriter;

    /** Groups of whatever waits when a leader starts, without waiting for more. */
    GroupCommit(DataSource dataSource) {
        this(dataSource, Duration.ZERO, 1, System::nanoTime);
    }

    /**
     * @param delay    how long a leader under a burst waits for other writes to join its group (zero: never)
     * @param gather   how many writes waiting end that wait early
     * @param nanoTime the clock that tells a burst ({@link System#nanoTime}; the wait itself is in real time)
     */
    GroupCommit(DataSource dataSource, Duration delay, int gather, LongSupplier nanoTime) {
        this.dataSource = dataSource;
        this.delayNanos = delay.toNanos();
        this.gather = Math.min(Math.max(1, gather), MAX_GROUP);
        this.nanoTime = nanoTime;
    }

    /**
     * A write alone in a transaction of its own: its result once committed; a failure of the store as a
     * {@link StateStoreException} saying {@code what} could not be done.
     */
    static <T> T inOwnTransaction(DataSource dataSource, String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                c.setAutoCommit(true);
                return result;
            } catch (SQLException | RuntimeException e) {
                rollBack(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new StateStoreException(what, e);
        }
    }

    /** The failure that matters is {@code e}: what the rollback itself meets is added to it. */
    private static void rollBack(Connection c, Exception e) {
        try {
            c.rollback();
            c.setAutoCommit(true);
        } catch (SQLException rollback) {
            e.addSuppressed(rollback);
        }
    }

    /** Runs the write, with others if there are any at the same time; fails as {@link #inOwnTransaction} does. */
    <T> T run(String what, Work<T> work) {
        Pending<T> mine = new Pending<>(what, work, Thread.currentThread());
        boolean interrupted = false;
        boolean leader;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            mine.inBurst = leading || !waiting.isEmpty()
                    || lastWriter != null && lastWriter != mine.writer && now - lastArrival < delayNanos;
            lastArrival = now;
            lastWriter = mine.writer;
            waiting.add(mine);
            if (gathering && waiting.size() >= gather) {
                notifyAll(); // the gathering leader, the only thread that waits on this monitor: its group is complete
            }
            leader = !leading;
            if (leader) {
                leading = true;
            }
        }
        if (!leader) {
            // each waiting writer is woken once: when a group answered its write, or when the lead passes to it;
            // woken all at once after every group, most of them only went back to sleep
            while (!mine.done && !mine.leads) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true; // the write is short and may already be in a group: answer it first
                }
            }
        }
        if (!mine.done) {
            interrupted |= lead(mine);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return mine.answer();
    }

    /** Writes groups until {@code mine} is answered, then hands the lead to the oldest write still waiting. */
    private boolean lead(Pending<?> mine) {
        boolean interrupted = false;
        try {
            while (!mine.done) {
                List<Pending<?>> group = new ArrayList<>();
                synchronized (this) {
                    if (mine.inBurst && !gatherOthers()) {
                        interrupted = true;
                    }
                    mine.inBurst = false; // a leader gathers once
                    while (!waiting.isEmpty() && group.size() < MAX_GROUP) {
                        group.add(waiting.poll());
                    }
                }
                try {
                    write(group);
                } catch (Error e) {
                    // nobody of the group waits for ever on a write that will not come
                    group.forEach(p -> p.failIfOpen(new StateStoreException(p.what, e)));
                    throw e;
                } finally {
                    for (Pending<?> p : group) {
                        if (p != mine) {
                            LockSupport.unpark(p.writer);
                        }
                    }
                }
            }
        } finally {
            synchronized (this) {
                if (!mine.done) {
                    waiting.remove(mine); // an Error before its group: nobody is left to wait for it
                }
                Pending<?> next = waiting.peek();
                if (next == null) {
                    leading = false;
                } else {
                    next.leads = true;
                    LockSupport.unpark(next.writer);
                }
            }
        }
        return interrupted;
    }

    /**
     * Waits, holding the lead, until {@link #gather} writes wait or the delay is over. False when interrupted (the
     * group is written at once then). Called holding the monitor; it lets go of it while it waits.
     */
    private boolean gatherOthers() {
        if (delayNanos <= 0 || waiting.size() >= gather) {
            return true;
        }
        gathering = true;
        try {
            long end = System.nanoTime() + delayNanos;
            long left;
            while (waiting.size() < gather && (left = end - System.nanoTime()) > 0) {
                wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            return true;
        } catch (InterruptedException e) {
            return false;
        } finally {
            gathering = false;
        }
    }

    /** Writes waiting for a group (tests). */
    synchronized int waiting() {
        return waiting.size();
    }

    private void write(List<Pending<?>> group) {
        if (group.size() == 1) {
            group.get(0).runAlone(dataSource);
            return;
        }
        List<Pending<?>> again = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (Pending<?> p : group) {
                    Savepoint before = c.setSavepoint();
                    try {
                        p.runIn(c);
                        c.releaseSavepoint(before);
                    } catch (SQLException | RuntimeException e) {
                        c.rollback(before);
                        again.add(p);
                    }
                }
                c.commit();
                c.setAutoCommit(true);
            } catch (SQLException | RuntimeException e) {
                rollBack(c, e);
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            // the store itself failed (no connection, a failed commit, a full disk): every write of the group
            // fails with it at once, as each would have alone - not one after another, each waiting for a
            // connection of its own while the others wait for it
            for (Pending<?> p : group) {
                p.fail(e instanceof StateStoreException s ? s : new StateStoreException(p.what, e));
            }
            return;
        }
        for (Pending<?> p : group) {
            if (again.contains(p)) {
                p.runAlone(dataSource); // its own write failed: alone it gets its own answer, the others keep theirs
            } else {
                p.done = true;
            }
        }
    }

    private static final class Pending<T> {
        private final String what;
        private final Work<T> work;
        private T result;
        private RuntimeException failure;
        /** The thread that waits for the answer. */
        private final Thread writer;
        private volatile boolean done;
        /** The lead was handed to its writer. */
        private volatile boolean leads;
        /** It arrived while another write was under way, or soon after the one before. */
        private boolean inBurst;

        Pending(String what, Work<T> work, Thread writer) {
            this.what = what;
            this.work = work;
            this.writer = writer;
        }

        void runIn(Connection c) throws SQLException {
            result = work.run(c);
        }

        void runAlone(DataSource dataSource) {
            try {
                result = inOwnTransaction(dataSource, what, work);
            } catch (RuntimeException e) {
                failure = e;
            }
            done = true;
        }

        void fail(RuntimeException e) {
            failure = e;
            done = true;
        }

        void failIfOpen(RuntimeException e) {
            if (!done) {
                fail(e);
            }
        }

        T answer() {
            if (failure != null) {
                throw failure;
            }
            return result;
        }
    }
}
