package org.outboxrelay.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.Clock;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.outboxrelay.limits.ConnectionSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticated SMTP connections kept open across messages (commons-pool2): at most {@code max-connections}
 * at once, each used for at most {@code messages-per-connection} messages, closed after {@code idle-timeout}
 * unused, checked with NOOP when it sat idle for a while, and thrown away after any error. Each new
 * connection asks {@link SmtpCredentials} again, so an expired OAuth2 token is never reused.
 * <p>
 * How many are in use at once is limited by a fair semaphore, not by commons-pool2's maxTotal: at its maxTotal,
 * commons-pool2 (2.13) makes every borrower wait for a connection being opened to finish opening - even when
 * another connection comes back meanwhile - so one server that stalls before its greeting would hold up every
 * job for the whole read timeout. With the semaphore, a connection that stalls holds only its own job.
 */
public class SmtpConnectionPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpConnectionPool.class);
    /** A connection idle for longer than this gets a NOOP before it is used again. */
    private static final long CHECK_AFTER_IDLE_NANOS = Duration.ofSeconds(5).toNanos();

    private final GenericObjectPool<SmtpConnection> pool;
    /** One permit per connection in use (or being opened); relay.smtp.max-connections of them. */
    private final Semaphore inUse;
    private final int maxConnections;
    private final Duration maxWait;
    private final ConnectionSlots slots;
    private final Duration slotWait;
    private final Clock clock;
    private final SignInGate signInGate;
    private final AtomicLong opened = new AtomicLong();
    private volatile Instant lastConnected;
    private volatile Instant lastFailed;
    private volatile String lastFailure;

    public SmtpConnectionPool(Session session, String host, int port, SmtpCredentials credentials,
            int maxConnections, int messagesPerConnection, Duration idleTimeout, Duration maxWait) {
        this(session, host, port, credentials, maxConnections, messagesPerConnection, idleTimeout, maxWait,
                ConnectionSlots.UNSHARED, Duration.ZERO, Clock.systemUTC(), SignInGate.OPEN);
    }

    /**
     * Asked just before each sign-in (a new connection): the account's pause as the shared store says it now. A
     * pause another relay started a moment ago would otherwise be seen only at the next read of the shared row,
     * and each sign-in tried in between is one more refused sign-in Microsoft counts against the account.
     */
    @FunctionalInterface
    public interface SignInGate {
        SignInGate OPEN = () -> { };

        void beforeSignIn() throws AccountPausedException;
    }

    /**
     * @param slots    the cap shared with other relays: a new connection is opened only with a slot
     * @param slotWait how long opening a connection waits for a slot before the job goes back on the queue
     */
    public SmtpConnectionPool(Session session, String host, int port, SmtpCredentials credentials,
            int maxConnections, int messagesPerConnection, Duration idleTimeout, Duration maxWait,
            ConnectionSlots slots, Duration slotWait, Clock clock, SignInGate signInGate) {
        this.slots = slots;
        this.signInGate = signInGate;
        this.slotWait = slotWait;
        this.clock = clock;
        this.inUse = new Semaphore(maxConnections, true);
        this.maxConnections = maxConnections;
        this.maxWait = maxWait;
        GenericObjectPoolConfig<SmtpConnection> config = new GenericObjectPoolConfig<>();
        // no limit here: the permits are the limit. A borrower holding a permit takes an idle connection when
        // there is one and opens one only when there is none, so no more than max-connections are ever open.
        config.setMaxTotal(-1);
        config.setMaxIdle(maxConnections);
        config.setMinIdle(0);
        config.setTestOnBorrow(true);
        // a connection that failed, or sent its last message, is closed when it comes back (see discard)
        config.setTestOnReturn(true);
        config.setLifo(true);
        config.setMinEvictableIdleDuration(idleTimeout);
        config.setTimeBetweenEvictionRuns(Duration.ofMillis(Math.max(500, Math.min(idleTimeout.toMillis() / 2, 10_000))));
        config.setNumTestsPerEvictionRun(maxConnections);
        config.setJmxEnabled(false);
        pool = new GenericObjectPool<>(new Factory(session, host, port, credentials, messagesPerConnection), config);
    }

    /**
     * The delivery route's {@code smtpConnections.reserve}: a connection for the message in the body, taken before
     * the message's limits (so that the time between a message's token and its sending is the SMTP exchange
     * alone). The sender uses it; a message that does not get as far gives it back when the job ends.
     */
    public void reserve(Exchange exchange) throws MessagingException, AccountBusyException, AccountPausedException {
        OutgoingMessage message = exchange.getMessage().getBody(OutgoingMessage.class);
        SmtpConnection connection;
        try {
            connection = borrow();
        } catch (PausedBeforeSignInException e) {
            throw e.pause;
        } catch (NoSlotException e) {
            throw new AccountBusyException(AccountBusyException.Cause.CONNECTIONS, "all relay.smtp.max-connections ("
                    + maxConnections + ") SMTP connections of the account are open on the relays", clock.instant()
                    .plus(slotWait).plusMillis(ThreadLocalRandom.current().nextLong(250, 1500)));
        }
        message.reserve(connection);
        exchange.getUnitOfWork().addSynchronization(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                SmtpConnection unused = message.takeReservedConnection();
                if (unused != null) {
                    release(unused);
                }
            }
        });
    }

    /** The account was paused (by any relay) when a connection was about to sign in: none was opened. */
    static final class PausedBeforeSignInException extends MessagingException {
        private final AccountPausedException pause;

        PausedBeforeSignInException(AccountPausedException pause) {
            super(pause.getMessage(), pause);
            this.pause = pause;
        }
    }

    /** No slot of the shared cap became free in time. */
    static final class NoSlotException extends MessagingException {
        NoSlotException(String message) {
            super(message);
        }
    }

    /** A connection to send one message over; give it back with {@link #release} or {@link #discard}. */
    public SmtpConnection borrow() throws MessagingException {
        try {
            if (!inUse.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new MessagingException("no SMTP connection became free in time (relay.smtp.max-connections="
                        + maxConnections + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MessagingException("interrupted while waiting for an SMTP connection", e);
        }
        try {
            return pool.borrowObject();
        } catch (MessagingException e) {
            inUse.release();
            throw e;
        } catch (Exception e) {
            inUse.release();
            throw new MessagingException("cannot open an SMTP connection: " + e.getMessage(), e);
        }
    }

    public void release(SmtpConnection c) {
        c.markUsed();
        try {
            pool.returnObject(c);
        } finally {
            inUse.release();
        }
    }

    /**
     * Closes a connection that failed. Not {@code invalidateObject}: commons-pool2 (2.13) opens a replacement
     * right away in there, on the caller's thread - so a job whose connection broke would wait for a new
     * connection to a server that may be down or stalling (its whole connect and read timeouts) before its
     * failure is handled, and would hold a place among relay.smtp.max-connections meanwhile. Given back marked
     * broken, the pool's return check closes it, and a new connection is opened only when a job needs one.
     */
    public void discard(SmtpConnection c) {
        c.broken = true;
        try {
            pool.returnObject(c);
        } catch (Exception e) {
            LOG.debug("Closing a failed SMTP connection: {}", e.getMessage());
        } finally {
            inUse.release();
        }
    }

    /** Whether the last attempt to open a connection worked, and why not. */
    public record ConnectState(boolean ok, Instant at, String failure) {
    }

    /** The outcome of the latest connection attempt (null before the first one). */
    public ConnectState lastConnect() {
        Instant ok = lastConnected;
        Instant failed = lastFailed;
        if (ok == null && failed == null) {
            return null;
        }
        if (failed != null && (ok == null || failed.isAfter(ok))) {
            return new ConnectState(false, failed, lastFailure);
        }
        return new ConnectState(true, ok, null);
    }

    /**
     * Opens (or reuses) a connection and gives it back: a health probe. When every connection is in use there is
     * nothing to probe (the jobs using them say how the server is), so it returns at once instead of queueing.
     */
    public void probe() throws MessagingException {
        if (!inUse.tryAcquire()) {
            return;
        }
        inUse.release();
        release(borrow());
    }

    /** Connections opened since start. */
    public long openedCount() {
        return opened.get();
    }

    /** Connections open right now (in use or idle). */
    public int openCount() {
        return pool.getNumActive() + pool.getNumIdle();
    }

    public int activeCount() {
        return pool.getNumActive();
    }

    @Override
    public void close() {
        pool.close();
    }

    /** One open, authenticated SMTP connection. */
    public static final class SmtpConnection {
        private final SMTPTransport transport;
        private final ConnectionSlots.Slot slot;
        private volatile boolean broken;
        private int messages;
        private long lastUsed = System.nanoTime();

        SmtpConnection(SMTPTransport transport, ConnectionSlots.Slot slot) {
            this.transport = transport;
            this.slot = slot;
        }

        public SMTPTransport transport() {
            return transport;
        }

        void markUsed() {
            messages++;
            lastUsed = System.nanoTime();
        }
    }

    private final class Factory extends BasePooledObjectFactory<SmtpConnection> {
        private final Session session;
        private final String host;
        private final int port;
        private final SmtpCredentials credentials;
        private final int messagesPerConnection;

        Factory(Session session, String host, int port, SmtpCredentials credentials, int messagesPerConnection) {
            this.session = session;
            this.host = host;
            this.port = port;
            this.credentials = credentials;
            this.messagesPerConnection = messagesPerConnection;
        }

        @Override
        public SmtpConnection create() throws MessagingException, InterruptedException {
            ConnectionSlots.Slot slot = acquireSlot();
            try {
                signInGate.beforeSignIn();
            } catch (AccountPausedException e) {
                slot.release();
                throw new PausedBeforeSignInException(e);
            }
            SMTPTransport transport = (SMTPTransport) session.getTransport("smtp");
            try {
                transport.connect(host, port, credentials.username(), credentials.secret());
            } catch (MessagingException | RuntimeException e) {
                slot.release();
                lastFailed = Instant.now();
                lastFailure = host + ":" + port + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getMessage().trim());
                throw e;
            }
            opened.incrementAndGet();
            lastConnected = Instant.now();
            LOG.debug("Opened SMTP connection to {}:{}", host, port);
            return new SmtpConnection(transport, slot);
        }

        /** A slot of the cap shared by the relays, waiting up to slotWait for one to come free. */
        private ConnectionSlots.Slot acquireSlot() throws NoSlotException, InterruptedException {
            long deadline = System.nanoTime() + slotWait.toNanos();
            while (true) {
                java.util.Optional<ConnectionSlots.Slot> slot = slots.tryAcquire();
                if (slot.isPresent()) {
                    return slot.get();
                }
                if (System.nanoTime() >= deadline) {
                    throw new NoSlotException("no SMTP connection slot is free on the relays");
                }
                Thread.sleep(ThreadLocalRandom.current().nextLong(100, 300));
            }
        }

        @Override
        public PooledObject<SmtpConnection> wrap(SmtpConnection c) {
            return new DefaultPooledObject<>(c);
        }

        @Override
        public boolean validateObject(PooledObject<SmtpConnection> p) {
            SmtpConnection c = p.getObject();
            if (c.broken || c.messages >= messagesPerConnection || !c.slot.valid()) {
                return false;
            }
            if (System.nanoTime() - c.lastUsed < CHECK_AFTER_IDLE_NANOS) {
                return true;
            }
            return c.transport.isConnected(); // sends NOOP
        }

        @Override
        public void destroyObject(PooledObject<SmtpConnection> p) {
            try {
                p.getObject().transport.close();
            } catch (MessagingException e) {
                LOG.debug("Closing SMTP connection: {}", e.getMessage());
            } finally {
                p.getObject().slot.release(); // after QUIT: the next relay's connection cannot overlap this one
            }
        }
    }
}
