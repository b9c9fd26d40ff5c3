package org.outboxrelay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Route;
import org.outboxrelay.flow.ConsumerHolds;
import org.outboxrelay.flow.HoldingPolicy;
import org.outboxrelay.replies.PauseLength;
import org.outboxrelay.state.AccountPauseStore;
import org.outboxrelay.state.StateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of the account, shared by every relay that shares the job store. An account-level failure
 * (sign-in refused, From not allowed for the account, quota used up, too many connections, Microsoft throttling
 * the sender, TLS not trusted) says nothing about the message, and hammering on makes Microsoft throttle harder:
 * so instead of retrying or dead-lettering job after job, delivery pauses for the whole account - on every relay,
 * since the pause is a row of the store ({@link AccountPauseStore}) that each relay reads every second. How long is
 * the reply table's say (its {@code pause} column, see {@link PauseLength}): most pauses grow with each failure in
 * a row (relay.account.pause.initial doubling up to relay.account.pause.max; 30m doubling up to 24h for quotas and
 * throttling), too many connections only waits briefly. A pause ends by itself; then exactly one relay claims the
 * probe and lets one job through; a success closes the breaker for all, a failure starts the next pause.
 *
 * <p>As the delivery route's policy ({@code routePolicy: accountPause}) it stops that route's JMS consumer while
 * the account is paused (and while another relay probes), so queued jobs stay untouched on mail.jobs;
 * {@link #check()} turns back the few already in flight.
 */
public class AccountPause extends HoldingPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(AccountPause.class);
    /** Exchange property marking the job that probes the account after a pause. */
    static final String PROBE = "accountProbe";
    /** How often the shared row is read. */
    private static final Duration REFRESH = Duration.ofSeconds(1);

    /**
     * What health and the operators see: why the account is paused, what fixes it (from the reply table), and
     * which relay probes it after the pause.
     */
    public record Status(boolean paused, Instant until, String reason, int pausesInARow, String fix,
            String probeNode) {

        public Status(boolean paused, Instant until, String reason, int pausesInARow) {
            this(paused, until, reason, pausesInARow, null, null);
        }
    }

    private final Clock clock;
    private final Duration initial;
    private final Duration max;
    private final AccountPauseStore store;
    private final String node;
    private final Duration probeTimeout;
    private final AtomicBoolean probeInFlight = new AtomicBoolean();
    private volatile AccountPauseStore.Row row = AccountPauseStore.Row.CLOSED;
    /** When the row was last read, in {@link System#nanoTime()}: the store is re-read on real time, whatever the clock says. */
    private volatile long readAtNanos = System.nanoTime() - REFRESH.toNanos();
    private volatile boolean storeDown;

    /**
     * @param store        the shared row of the account's pause
     * @param node         this relay
     * @param probeTimeout how long a relay may take to probe before another one may claim the probe (it died)
     */
    public AccountPause(Clock clock, Duration initial, Duration max, AccountPauseStore store, String node,
            Duration probeTimeout, ConsumerHolds holds) {
        super(holds, "account-pause");
        this.clock = clock;
        this.initial = initial;
        this.max = max;
        this.store = store;
        this.node = node;
        this.probeTimeout = probeTimeout;
    }

    /**
     * Turns a job back while the account is paused (it waits on the queue; it is not an attempt), and while the
     * account is being probed after a pause - by another relay, or by another job of this one.
     */
    public void check(Exchange exchange) throws AccountPausedException, AccountBusyException {
        AccountPauseStore.Row r = row;
        Instant now = clock.instant();
        if (r.until() != null && now.isBefore(r.until())) {
            throw new AccountPausedException("the account is paused until " + r.until() + ": " + r.reason(),
                    r.until(), false);
        }
        if (r.pausesInARow() > 0) {
            if (node.equals(r.probeNode()) && probeInFlight.compareAndSet(false, true)) {
                exchange.setProperty(PROBE, Boolean.TRUE);
                LOG.info("Probing the account after its pause with {}", exchange.getProperty("job"));
                return;
            }
            throw new AccountBusyException(AccountBusyException.Cause.PROBE, "the account is being probed after its pause"
                    + (r.probeNode() != null ? " by " + r.probeNode() : ""), now.plus(REFRESH));
        }
    }

    /**
     * Just before a sign-in (a new SMTP connection): the shared row read now, not the copy of up to a second ago,
     * so that no relay signs in after any relay paused the account. A store that cannot be read does not stop the
     * sign-in (the store's own gate holds the consumers when it is down).
     */
    public void beforeSignIn() throws AccountPausedException {
        AccountPauseStore.Row r;
        try {
            r = store.read();
        } catch (StateStoreException e) {
            return;
        }
        remember(r);
        Instant now = clock.instant();
        if (r.until() != null && now.isBefore(r.until())) {
            throw new AccountPausedException("the account is paused until " + r.until() + ": " + r.reason(),
                    r.until(), false);
        }
    }

    /**
     * Starts (or continues) a pause for an account-level failure and returns when the job may be tried again.
     * The pause is written to the shared store: every relay stops within about a second.
     */
    public RetryPolicy.Decision pause(@ExchangeProperty("failure") DeliveryFailure failure) {
        Instant now = clock.instant();
        for (int tries = 0; tries < 3; tries++) {
            AccountPauseStore.Row r = store.read();
            if (r.until() != null && now.isBefore(r.until())
                    && (failure.notBefore() == null || !failure.notBefore().isAfter(r.until()))) {
                remember(r);
                return new RetryPolicy.Decision(false, r.until(), Duration.between(now, r.until()));
            }
            Duration length = lengthFor(failure, now, r.pausesInARow());
            Instant until = now.plus(length);
            if (store.start(r.pausesInARow(), until, failure.reason(), failure.fix(), failure.notBefore() != null,
                    node, now)) {
                probeInFlight.set(false);
                remember(store.read());
                if (failure.fix() == null) {
                    LOG.warn("Account paused for {} (until {}) on every relay: {}", JobLedger.human(length), until,
                            failure.reason());
                } else {
                    LOG.warn("Account paused for {} (until {}) on every relay: {}. Fix: {}", JobLedger.human(length),
                            until, failure.reason(), failure.fix());
                }
                return new RetryPolicy.Decision(false, until, length);
            }
        }
        // other relays keep changing the row: take what it says now
        AccountPauseStore.Row r = store.read();
        remember(r);
        Instant until = r.until() != null && r.until().isAfter(now) ? r.until() : now.plus(initial);
        return new RetryPolicy.Decision(false, until, Duration.between(now, until));
    }

    private Duration lengthFor(DeliveryFailure failure, Instant now, int inARow) {
        if (failure.notBefore() != null) {
            return Duration.between(now, failure.notBefore());
        }
        PauseLength length = failure.pause() == null ? PauseLength.GROWING : failure.pause();
        return length.length(initial, max, inARow);
    }

    public Status status() {
        AccountPauseStore.Row r = row;
        Instant now = clock.instant();
        boolean paused = r.until() != null && now.isBefore(r.until());
        return new Status(paused, paused ? r.until() : null, paused ? r.reason() : null, r.pausesInARow(),
                paused ? r.fix() : null, r.probeNode());
    }

    /** Ends a pause now (an operator fixed the sign-in, say): the next job probes the account. */
    public void resumeNow() {
        store.endNow(node, clock.instant());
        refresh();
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        boolean probe = Boolean.TRUE.equals(exchange.getProperty(PROBE));
        DeliveryFailure failure = exchange.getProperty("failure", DeliveryFailure.class);
        boolean accountFailure = failure != null && failure.isAccountLevel();
        boolean sent = exchange.getException() == null && !accountFailure && exchange.getProperty("result") != null;
        // a refusal of this message with a reply (5xx for a recipient, say) shows the account itself works
        boolean answered = failure != null && failure.isPermanent() && failure.code() > 0;
        try {
            if (probe) {
                probeInFlight.set(false);
                if (sent || answered) {
                    closeBreaker();
                } else if (!accountFailure) {
                    store.releaseProbe(node, clock.instant()); // it told nothing: the next job probes
                    refresh();
                }
            } else if (sent && row.pausesInARow() > 0 && !status().paused()) {
                closeBreaker();
            }
        } catch (StateStoreException e) {
            LOG.warn("Cannot record the account's state in the job store: {}", e.getMessage());
        }
    }

    private void closeBreaker() {
        if (store.close(node, clock.instant())) {
            LOG.info("Account sending again on every relay");
        }
        refresh();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        try {
            refresh();
        } catch (StateStoreException e) {
            LOG.warn("Cannot read the account's pause: {}", e.getMessage());
        }
        startTicking(Duration.ofMillis(250), Duration.ofMillis(250));
    }

    /** Reads the shared row now. */
    void refresh() {
        remember(store.read());
    }

    private void remember(AccountPauseStore.Row r) {
        row = r;
        readAtNanos = System.nanoTime();
    }

    @Override
    protected void tick() {
        try {
            Instant now = clock.instant();
            if (System.nanoTime() - readAtNanos >= REFRESH.toNanos()) {
                refresh();
            }
            AccountPauseStore.Row r = row;
            boolean halfOpen = r.pausesInARow() > 0 && (r.until() == null || !now.isBefore(r.until()));
            if (halfOpen && !node.equals(r.probeNode())
                    && (r.probeNode() == null || r.probeUntil() == null || !now.isBefore(r.probeUntil()))
                    && store.claimProbe(node, now.plus(probeTimeout), now)) {
                probeInFlight.set(false);
                refresh();
                LOG.info("This relay probes the account after its pause");
                r = row;
            }
            if (storeDown) {
                storeDown = false;
            }
            boolean paused = r.until() != null && now.isBefore(r.until());
            boolean othersProbe = r.pausesInARow() > 0 && !paused && !node.equals(r.probeNode());
            applyToConsumers(paused || othersProbe);
        } catch (StateStoreException e) {
            if (!storeDown) {
                storeDown = true;
                LOG.warn("Cannot read the account's pause from the job store: {}", e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("Account pause: {}", e.getMessage());
        }
    }

    /** Holds the consumers of the routes during a pause (and while another relay probes), lets them go after. */
    private void applyToConsumers(boolean hold) {
        holdAll("the account is paused", hold);
    }
}
