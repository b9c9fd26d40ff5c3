package org.outboxrelay.broker;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.apache.activemq.artemis.core.config.ClusterConnectionConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.ha.SharedStoreBackupPolicyConfiguration;
import org.apache.activemq.artemis.core.config.ha.SharedStorePrimaryPolicyConfiguration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.cluster.impl.MessageLoadBalancingType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.outboxrelay.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker of a primary/backup pair for several relays ({@code java -jar outbox-relay.jar broker ...}): an
 * Artemis server from the jars the relay already carries, with the relay's addresses, a network acceptor (CORE
 * and AMQP) that takes only the given login, and shared-store high availability: both brokers use one journal
 * folder (a shared disk: NFS v4, a SAN); the primary holds its lock and serves, the backup waits for the lock and
 * serves the same messages the moment the primary dies. The pair knows each other through a cluster connection
 * with static connectors (UDP discovery does not cross most networks), so clients learn where the backup is.
 */
public final class BrokerNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerNode.class);

    /** Which of the pair. */
    public enum Role { PRIMARY, BACKUP }

    /**
     * @param role     primary or backup
     * @param store    the journal folder both brokers of the pair share
     * @param listen   where this broker accepts clients and its peer
     * @param peer     where the other broker of the pair listens
     * @param user     the relays' login
     * @param password its password
     */
    public record Options(Role role, Path store, Settings.HostPort listen, Settings.HostPort peer, String user,
            String password, int maxDeliveryAttempts, long maxJobBytes) {
    }

    private final Options options;
    private EmbeddedActiveMQ server;

    public BrokerNode(Options options) {
        this.options = options;
    }

    public BrokerNode start() throws Exception {
        Path store = options.store();
        Configuration config = new ConfigurationImpl()
                .setName("outbox-relay-" + options.role().name().toLowerCase())
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(store.resolve("journal").toString())
                .setJournalBufferTimeout_NIO(EmbeddedBroker.JOURNAL_BUFFER_TIMEOUT_NANOS)
                .setBindingsDirectory(store.resolve("bindings").toString())
                .setPagingDirectory(store.resolve("paging").toString())
                .setLargeMessagesDirectory(store.resolve("large-messages").toString())
                .setNodeManagerLockDirectory(store.toString())
                .setJMXManagementEnabled(false)
                .setSecurityEnabled(true)
                .setClusterUser(options.user())
                .setClusterPassword(options.password());
        config.addAcceptorConfiguration("network", "tcp://" + options.listen() + "?protocols=CORE,AMQP");
        config.addConnectorConfiguration("self", "tcp://" + options.listen());
        config.addConnectorConfiguration("peer", "tcp://" + options.peer());
        config.addClusterConfiguration(new ClusterConnectionConfiguration()
                .setName("relay-pair")
                .setConnectorName("self")
                .setStaticConnectors(List.of("peer"))
                .setMessageLoadBalancingType(MessageLoadBalancingType.OFF)
                .setRetryInterval(500)
                .setReconnectAttempts(-1));
        config.setHAPolicyConfiguration(options.role() == Role.PRIMARY
                ? new SharedStorePrimaryPolicyConfiguration().setFailoverOnServerShutdown(true)
                : new SharedStoreBackupPolicyConfiguration().setFailoverOnServerShutdown(true).setAllowFailBack(true));
        EmbeddedBroker.addRelayAddresses(config, options.maxDeliveryAttempts(), options.maxJobBytes());

        SecurityConfiguration users = new SecurityConfiguration();
        users.addUser(options.user(), options.password());
        users.addRole(options.user(), EmbeddedBroker.ROLE);
        config.putSecurityRoles("#", Set.of(new org.apache.activemq.artemis.core.security.Role(EmbeddedBroker.ROLE,
                true, true, true, true, true, true, true, true, true, true, true, true)));
        server = new EmbeddedActiveMQ().setConfiguration(config)
                .setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
        server.start();
        LOG.info("Broker {} on {} (journal in {}, peer {})", options.role().name().toLowerCase(), options.listen(),
                store.toAbsolutePath(), options.peer());
        return this;
    }

    /** True once this broker serves clients (a backup: after its primary died). */
    public boolean active() {
        return server != null && server.getActiveMQServer().isActive();
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
