package org.outboxrelay.delivery;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one scheduler behind the write timeout of every SMTP connection ({@code mail.smtp.executor.writetimeout}).
 * Angus Mail times each socket write with a task that closes the socket if the write has not returned in time
 * (a server that stops reading in the middle of a message), scheduled before the write and cancelled after it.
 * Left to itself it builds a scheduler with a thread of its own for every connection; and a scheduler's thread
 * is woken whenever a task becomes the earliest one it holds ({@code ScheduledThreadPoolExecutor}'s queue
 * signals its waiting thread then), which on an otherwise empty scheduler is every write: a few thread wake-ups
 * per message (README, Performance, has what they cost).
 *
 * <p>So one scheduler serves all connections, and a task that does nothing runs on it every second: it stays
 * the earliest task, a write's timeout (relay.smtp.read-timeout ahead) queues behind it and wakes nobody, and a
 * cancelled one is removed at once rather than kept until its time. The thread wakes once a second instead.
 * A timeout shorter than a second still works, with a wake-up per write. The thread is a daemon and lives as
 * long as the JVM: sessions are made by the relay, by {@code doctor} and by tests, and none of them owns it.
 */
public final class SmtpWriteTimeouts {

    private static final ScheduledExecutorService SHARED = create();

    private SmtpWriteTimeouts() {
    }

    /** The scheduler for {@code mail.smtp.executor.writetimeout}. */
    public static ScheduledExecutorService shared() {
        return SHARED;
    }

    private static ScheduledExecutorService create() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "smtp-write-timeouts");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        // keeps the head of the queue (see above)
        scheduler.scheduleAtFixedRate(() -> { }, 1, 1, TimeUnit.SECONDS);
        return scheduler;
    }
}
