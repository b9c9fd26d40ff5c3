package org.outboxrelay.broker;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
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
    public static final String ROLE = "relay";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Bytes of messages the broker keeps in memory before it pages (see doStart). */
    static final long GLOBAL_MAX_SIZE = 64L << 20;

    private final BrokerSettings settings;
    private final int vmId = IDS.incrementAndGet();
    private EmbeddedActiveMQ broker;

    public EmbeddedBroker(BrokerSettings settings) {
        this.settings = settings;
    }

    /** URL for clients in this JVM. */
    public String inVmUrl() {
        return "vm://" + vmId;
    }

    public boolean secured() {
        return settings.listen() != null && settings.hasLogin();
    }

    public ActiveMQServer server() {
        return broker.getActiveMQServer();
    }

    @Override
    protected void doStart() throws Exception {
        Configuration config = new ConfigurationImpl()
                .setName("outbox-relay")
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(settings.dataDir().resolve("journal").toString())
                .setBindingsDirectory(settings.dataDir().resolve("bindings").toString())
                .setPagingDirectory(settings.dataDir().resolve("paging").toString())
                .setLargeMessagesDirectory(settings.dataDir().resolve("large-messages").toString())
                .setNodeManagerLockDirectory(settings.dataDir().toString())
                .setJMXManagementEnabled(false)
                // queued jobs are held in memory up to this much, the rest wait in page files (as durable as the
                // journal): a backlog of any size leaves the relay's memory as it is (Artemis' default is half
                // the heap limit, which let a burst of 40,000 jobs grow the heap by a few hundred MB)
                .setGlobalMaxSize(GLOBAL_MAX_SIZE)
                .setSecurityEnabled(secured());
        config.addAcceptorConfiguration("in-vm", inVmUrl());

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
                .setMaxDeliveryAttempts(settings.maxDeliveryAttempts())
                .setRedeliveryDelay(5_000)
                .setRedeliveryMultiplier(2)
                .setMaxRedeliveryDelay(300_000)
                .setExpiryAddress(SimpleString.of(DEAD)));
        // mail.dead is where things end: kept until a person acts, never moved on
        config.addAddressSetting(DEAD, new AddressSettings().setMaxDeliveryAttempts(-1)
                .setExpiryAddress(SimpleString.of(DEAD)));

        EmbeddedActiveMQ embedded = new EmbeddedActiveMQ().setConfiguration(config);
        if (settings.listen() != null && settings.hasLogin()) {
            config.addAcceptorConfiguration("network", "tcp://" + settings.listen() + "?protocols=CORE,AMQP");
            SecurityConfiguration users = new SecurityConfiguration();
            users.addUser(settings.user(), settings.password());
            users.addRole(settings.user(), ROLE);
            config.putSecurityRoles("#", Set.of(new Role(ROLE, true, true, true, true, true, true, true, true, true,
                    true, true, true)));
            embedded.setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
            LOG.info("Embedded broker: accepting network clients (CORE, AMQP) on {} as user {}", settings.listen(),
                    settings.user());
        } else if (settings.listen() != null) {
            LOG.warn("Embedded broker: relay.broker.listen={} is ignored because relay.broker.user and"
                    + " relay.broker.password are not both set; listening in-VM only", settings.listen());
        } else {
            LOG.info("Embedded broker: in-VM only (set relay.broker.listen, relay.broker.user and"
                    + " relay.broker.password to accept network clients)");
        }
        broker = embedded;
        broker.start();
        LOG.info("Embedded broker started, journal in {}", settings.dataDir().toAbsolutePath());
    }

    @Override
    protected void doStop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker = null;
        }
    }
}
