package org.outboxrelay.broker;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.DivertConfiguration;
import org.apache.activemq.artemis.core.config.TransformerConfiguration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ComponentConfigurationRoutingType;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.DiskFullMessagePolicy;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's own Artemis broker: a persistent journal in {@code data/broker} (jobs survive crashes and
 * restarts, and so do the retry times of deferred jobs), the addresses of the contract ({@code mail.jobs},
 * {@code mail.dead}, {@code mail.events}), and a network acceptor (CORE and AMQP) only when a login is set.
 */
public class EmbeddedBroker extends ServiceSupport {

    public static final String JOBS = "mail.jobs";
    public static final String DEAD = "mail.dead";
    public static final String EVENTS = "mail.events";
    /** The namespace under which temporary queues find their address settings. */
    static final String TEMPORARY_NAMESPACE = "temp";
    /** An address without queues: what is sent there is dropped (see addRelayAddresses). */
    static final String DISCARDED = "relay.discarded";
    public static final String ROLE = "relay";
    /** Applications on the network: post jobs, follow events. */
    public static final String PRODUCER_ROLE = "producer";
    /** The relay's own login on its in-VM acceptor, when the broker takes logins. */
    public static final String INTERNAL_USER = "outbox-relay-internal";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Bytes of messages the broker keeps in memory before it pages (see doStart). */
    static final long GLOBAL_MAX_SIZE = 64L << 20;
    /**
     * How long the journal gathers writes that wait for its sync before it syncs them together (also for the
     * broker pair, {@link BrokerNode}). Artemis' NIO default is three times this; {@code artemis create} measures
     * the disk and sets about one sync's time, which an embedded broker never gets. Every job's send and every
     * delivery's commit waits for the next sync, so under load the default timer, not the disk, set how long
     * (README "Performance", table of changes).
     */
    static final int JOURNAL_BUFFER_TIMEOUT_NANOS = 1_000_000;

    private final BrokerSettings settings;
    private final long maxJobBytes;
    private final int vmId = IDS.incrementAndGet();
    /** A password nobody knows, made at each start: the in-VM acceptor is the relay's alone. */
    private final String internalPassword = java.util.UUID.randomUUID() + "-" + java.util.UUID.randomUUID();
    private long minDiskFree = -1;
    private long diskScanMillis = 5000;
    private volatile boolean stopping;
    private EmbeddedActiveMQ broker;

    public EmbeddedBroker(BrokerSettings settings) {
        this(settings, 0);
    }

    /**
     * {@code maxJobBytes}: relay.limits.max-message-bytes; a job sent to mail.jobs whose body is certainly larger
     * goes to mail.dead at once (0: no such check).
     */
    public EmbeddedBroker(BrokerSettings settings, long maxJobBytes) {
        this.settings = settings;
        this.maxJobBytes = maxJobBytes;
    }

    /**
     * The broker's own guard of its disk: below {@code minDiskFree} bytes free it refuses every message sent to
     * it (producers get an error at once instead of blocking, and nothing half-written reaches the journal),
     * looking every {@code scanPeriod}. Set before it starts.
     */
    public EmbeddedBroker withDiskGuard(long minDiskFree, java.time.Duration scanPeriod) {
        this.minDiskFree = minDiskFree;
        this.diskScanMillis = Math.max(100, scanPeriod.toMillis());
        return this;
    }

    /** True when the broker stopped by itself (Artemis stops on a critical IO error of its journal, AMQ222010). */
    /**
     * True while the broker counts its disk as full (it refuses every message until its next look at the disk,
     * which may come a moment after the relay's own).
     */
    public boolean diskFull() {
        EmbeddedActiveMQ b = broker;
        return b != null && b.getActiveMQServer().getPagingManager() != null
                && b.getActiveMQServer().getPagingManager().isDiskFull();
    }

    public boolean crashed() {
        EmbeddedActiveMQ b = broker;
        return b != null && !stopping && !b.getActiveMQServer().isStarted()
                && b.getActiveMQServer().getState() == ActiveMQServer.SERVER_STATE.STOPPED;
    }

    /**
     * Starts a new broker on the same journal after this one stopped by itself; the journal has every job it
     * had. (A new one, not the stopped one again: Artemis stops a server for a critical IO error only once.)
     */
    public synchronized void restart() throws Exception {
        if (crashed()) {
            EmbeddedActiveMQ stopped = broker;
            try {
                stopped.stop();
            } catch (Exception e) {
                LOG.debug("Stopping the stopped broker: {}", e.getMessage());
            }
            EmbeddedActiveMQ fresh = create(false);
            fresh.start();
            broker = fresh;
            LOG.info("Embedded broker started again, journal in {}", settings.dataDir().toAbsolutePath());
        }
    }

    /**
     * The (core) filter of messages to mail.jobs that can only be too large: bodies of more than twice
     * relay.limits.max-message-bytes as the broker stores them (a text takes two bytes per character, so no text
     * a job may have is above it). A JMS client decodes a whole text message as it receives it; so such a
     * message must never reach the relay's consumers. The relay itself checks the exact size of the rest.
     */
    public static String oversizedFilter(long maxJobBytes) {
        long limit = 2 * maxJobBytes + 16;
        return "_AMQ_LARGE_SIZE > " + limit + " OR AMQSize > " + limit;
    }

    /** URL for clients in this JVM. */
    public String inVmUrl() {
        return "vm://" + vmId;
    }

    /** The relay's own password for its in-VM connection (with {@link #INTERNAL_USER}), when {@link #secured()}. */
    public String internalPassword() {
        return internalPassword;
    }

    public boolean secured() {
        return settings.listen() != null && settings.hasLogin();
    }

    public ActiveMQServer server() {
        return broker.getActiveMQServer();
    }

    @Override
    protected void doStart() throws Exception {
        broker = create(true);
        broker.start();
        LOG.info("Embedded broker started, journal in {}", settings.dataDir().toAbsolutePath());
    }

    /** The broker with its configuration, not started; {@code first}: say at start how it listens. */
    private EmbeddedActiveMQ create(boolean first) throws Exception {
        Configuration config = new ConfigurationImpl()
                .setName("outbox-relay")
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(settings.dataDir().resolve("journal").toString())
                .setJournalBufferTimeout_NIO(JOURNAL_BUFFER_TIMEOUT_NANOS)
                .setBindingsDirectory(settings.dataDir().resolve("bindings").toString())
                .setPagingDirectory(settings.dataDir().resolve("paging").toString())
                .setLargeMessagesDirectory(settings.dataDir().resolve("large-messages").toString())
                .setNodeManagerLockDirectory(settings.dataDir().toString())
                .setJMXManagementEnabled(false)
                // queued jobs are held in memory up to this much, the rest wait in page files (as durable as the
                // journal): a backlog of any size leaves the relay's memory as it is (Artemis' default is half
                // the heap limit, which let a burst of 40,000 jobs grow the heap by a few hundred MB)
                .setGlobalMaxSize(GLOBAL_MAX_SIZE)
                .setSecurityEnabled(secured())
                // a percentage of the disk says little (90% of a large disk is plenty free): relay.data.min-free
                .setMaxDiskUsage(-1)
                .setMinDiskFree(minDiskFree)
                .setDiskScanPeriod((int) diskScanMillis);
        config.addAcceptorConfiguration("in-vm", inVmUrl());

        addRelayAddresses(config, settings.maxDeliveryAttempts(), maxJobBytes);

        EmbeddedActiveMQ embedded = new EmbeddedActiveMQ().setConfiguration(config);
        if (settings.listen() != null && settings.hasLogin()) {
            config.addAcceptorConfiguration("network", "tcp://" + settings.listen() + "?protocols=CORE,AMQP");
            SecurityConfiguration users = new SecurityConfiguration();
            // the relay itself (in-VM): everything
            users.addUser(INTERNAL_USER, internalPassword);
            users.addRole(INTERNAL_USER, ROLE);
            // applications: post jobs to mail.jobs, follow mail.events - and nothing else: a job's content on
            // mail.dead is an operator's to read
            users.addUser(settings.user(), settings.password());
            users.addRole(settings.user(), PRODUCER_ROLE);
            // operators (the queue command, tools): every queue
            if (settings.adminUser() != null && settings.adminPassword() != null) {
                users.addUser(settings.adminUser(), settings.adminPassword());
                users.addRole(settings.adminUser(), ROLE);
            }
            Role relay = new Role(ROLE, true, true, true, true, true, true, true, true, true, true, true, true);
            config.putSecurityRoles("#", Set.of(relay));
            // send; consume, browse and subscriptions of mail.events only (createDurableQueue,
            // deleteDurableQueue, createNonDurableQueue, deleteNonDurableQueue, consume, browse, ...)
            config.putSecurityRoles(JOBS, Set.of(relay, new Role(PRODUCER_ROLE, true, false, false, false, false,
                    false, false, false, false, false, false, false)));
            config.putSecurityRoles(EVENTS, Set.of(relay, new Role(PRODUCER_ROLE, false, true, true, true, true,
                    true, false, false, false, false, false, false)));
            config.putSecurityRoles(EVENTS + ".#", Set.of(relay, new Role(PRODUCER_ROLE, false, true, true, true,
                    true, true, false, false, false, false, false, false)));
            embedded.setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
            if (first) {
                LOG.info("Embedded broker: accepting network clients (CORE, AMQP) on {}: {} may post to {} and"
                        + " follow {}{}", settings.listen(), settings.user(), JOBS, EVENTS,
                        settings.adminUser() != null ? ", " + settings.adminUser() + " may use every queue"
                                : " (set relay.broker.admin-user and relay.broker.admin-password for the queue command)");
            }
        } else if (settings.listen() != null && first) {
            LOG.warn("Embedded broker: relay.broker.listen={} is ignored because relay.broker.user and"
                    + " relay.broker.password are not both set; listening in-VM only", settings.listen());
        } else if (first) {
            LOG.info("Embedded broker: in-VM only (set relay.broker.listen, relay.broker.user and"
                    + " relay.broker.password to accept network clients)");
        }
        return embedded;
    }

    /**
     * The addresses of the contract - mail.jobs, mail.dead, mail.events - and how the broker treats them; the same
     * for the relay's embedded broker and a standalone broker pair ({@link BrokerNode}). {@code maxJobBytes}:
     * relay.limits.max-message-bytes (0: no check of oversized jobs).
     */
    static void addRelayAddresses(Configuration config, int maxDeliveryAttempts, long maxJobBytes) {
        config.addAddressConfiguration(new CoreAddressConfiguration().setName(JOBS).addRoutingType(RoutingType.ANYCAST)
                .addQueueConfiguration(QueueConfiguration.of(JOBS).setRoutingType(RoutingType.ANYCAST).setDurable(true)));
        config.addAddressConfiguration(new CoreAddressConfiguration().setName(DEAD).addRoutingType(RoutingType.ANYCAST)
                .addQueueConfiguration(QueueConfiguration.of(DEAD).setRoutingType(RoutingType.ANYCAST).setDurable(true)));
        config.addAddressConfiguration(new CoreAddressConfiguration().setName(EVENTS)
                .addRoutingType(RoutingType.MULTICAST));
        // A job that keeps failing in a way the routes could not handle (a bug, the store down) still ends up
        // where a person sees it, after a few broker redeliveries that wait longer and longer.
        config.addAddressSetting(JOBS, new AddressSettings()
                .setDeadLetterAddress(SimpleString.of(DEAD))
                .setMaxDeliveryAttempts(maxDeliveryAttempts)
                .setRedeliveryDelay(5_000)
                .setRedeliveryMultiplier(2)
                .setMaxRedeliveryDelay(300_000)
                .setExpiryAddress(SimpleString.of(DEAD))
                .setDiskFullMessagePolicy(DiskFullMessagePolicy.FAIL));
        if (maxJobBytes > 0) {
            // a job far too large for the relay: to mail.dead with its reason when it arrives, never read
            config.addDivertConfiguration(new DivertConfiguration().setName("oversized-jobs").setAddress(JOBS)
                    .setForwardingAddress(DEAD).setExclusive(true).setFilterString(oversizedFilter(maxJobBytes))
                    .setRoutingType(ComponentConfigurationRoutingType.ANYCAST)
                    .setTransformerConfiguration(new TransformerConfiguration(OversizedJobTransformer.class.getName())
                            .setProperties(java.util.Map.of(OversizedJobTransformer.MAX_MESSAGE_BYTES,
                                    String.valueOf(maxJobBytes)))));
        }
        // mail.dead is where things end: kept until a person acts, never moved on. Its dead-letter address is
        // itself, never used (no limit on attempts): without one Artemis warns at every start (AMQ222165) that
        // the queue has none, which is the point of this queue
        config.addAddressSetting(DEAD, new AddressSettings().setMaxDeliveryAttempts(-1)
                .setDeadLetterAddress(SimpleString.of(DEAD))
                .setExpiryAddress(SimpleString.of(DEAD)).setDiskFullMessagePolicy(DiskFullMessagePolicy.FAIL));
        // a full disk refuses what is sent (the sender learns it at once and sends again later), rather than
        // holding senders (the relay's own threads among them) until space returns
        config.addAddressSetting("#", new AddressSettings().setDiskFullMessagePolicy(DiskFullMessagePolicy.FAIL));
        // What cannot be delivered or expires on the queues that need no dead letters is dropped, as Artemis does
        // when a queue has no dead-letter or expiry address; naming one without queues (relay.discarded) keeps
        // Artemis from warning twice about every such queue (AMQ222165, AMQ222166). Those queues: each
        // subscriber's own queue on mail.events, and the temporary queues - the reply queue of each management
        // call (`queue`, the admin API, the console) and non-durable subscribers' queues - which find their
        // settings through a namespace.
        config.addAddressSetting(EVENTS, dropped());
        config.setTemporaryQueueNamespace(TEMPORARY_NAMESPACE);
        config.addAddressSetting(TEMPORARY_NAMESPACE + ".#", dropped());
    }

    private static AddressSettings dropped() {
        return new AddressSettings().setDeadLetterAddress(SimpleString.of(DISCARDED))
                .setExpiryAddress(SimpleString.of(DISCARDED)).setDiskFullMessagePolicy(DiskFullMessagePolicy.FAIL);
    }

    @Override
    protected void doStop() throws Exception {
        stopping = true;
        if (broker != null) {
            broker.stop();
            broker = null;
        }
    }
}
