package org.outboxrelay.config;

import jakarta.jms.ConnectionFactory;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.outboxrelay.broker.BrokerSettings;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.broker.EventAudience;
import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.observe.RelayHealthChecks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * The broker: the embedded Artemis broker (started here, so that the JMS routes find it running) or an
 * external one - a single broker or a primary/backup pair behind a failover URL. Binds the {@code jms}
 * component the routes use, the relay's own connection factory ({@code brokerConnectionFactory}), the queue
 * tools of the {@code queue} command and the admin API ({@code queueTools}), whether anybody follows mail.events
 * ({@code eventAudience}), and the broker's health check.
 */
public class BrokerConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        BrokerSettings broker = relay.broker();
        EmbeddedBroker embedded = null;
        ActiveMQConnectionFactory connectionFactory;
        if (broker.external()) {
            connectionFactory = new ActiveMQConnectionFactory(broker.url(), broker.user(), broker.password());
            LOG.info("Using the external broker at {}", broker.url());
        } else {
            // it refuses writes before its disk is full (half of relay.data.min-free), and turns away jobs far
            // too large for the relay as they arrive
            embedded = new EmbeddedBroker(broker, relay.maxMessageBytes())
                    .withDiskGuard(relay.dataMinFree() / 2, relay.dataCheckInterval());
            Beans.startNow(context, embedded);
            Beans.bind(context, "embeddedBroker", embedded);
            // the relay's own in-VM connection signs in as itself, never with a login given to applications
            connectionFactory = embedded.secured()
                    ? new ActiveMQConnectionFactory(embedded.inVmUrl(), EmbeddedBroker.INTERNAL_USER,
                            embedded.internalPassword())
                    : new ActiveMQConnectionFactory(embedded.inVmUrl());
        }
        // the queues and the topic never change: look each up once, not on every send
        connectionFactory.setCacheDestinations(true);
        // no prefetch: a consumer holds only the job it works on, so a job never waits behind another job's
        // stalled SMTP connection, and a relay that dies strands nothing in its buffer (the broker redelivers
        // only what was in flight)
        connectionFactory.setConsumerWindowSize(0);
        CachingConnectionFactory caching = new CachingConnectionFactory(connectionFactory);
        caching.setSessionCacheSize(relay.consumers() + 8);
        // a consumer the listener closes is closed at the broker, not kept open in the cache: the delivery route's
        // consumers beyond the first stop when idle, and a held route (account pause, store gate, full disk)
        // closes all of its consumers; kept open, each one stayed a consumer of mail.jobs at the broker (16 after a
        // burst), and a job handed to one just as it was closed could stay with it unseen. The listener keeps its
        // own consumer per thread while it runs (CACHE_CONSUMER), so this costs nothing per job.
        caching.setCacheConsumers(false);
        Beans.closeOnStop(context, "JMS connections", caching::destroy);
        context.addComponent("jms", JmsComponent.jmsComponent(caching));
        Beans.bind(context, "brokerConnectionFactory", connectionFactory);
        Beans.bind(context, "eventAudience", embedded == null ? EventAudience.external() : EventAudience.of(embedded));

        String toolsUser = embedded != null && embedded.secured() ? EmbeddedBroker.INTERNAL_USER : broker.user();
        String toolsPassword = embedded != null && embedded.secured() ? embedded.internalPassword() : broker.password();
        Beans.bind(context, "queueTools", new QueueTools(connectionFactory, toolsUser, toolsPassword,
                Beans.get(context, "relayClock", java.time.Clock.class), relay.maxMessageBytes()));
        EmbeddedBroker running = embedded;
        // readiness asks an external broker with a connection of its own that tries each broker once: the
        // relay's own connections wait for a failover as long as it takes, a health check must not
        ActiveMQConnectionFactory probe = null;
        if (broker.external()) {
            probe = new ActiveMQConnectionFactory(broker.url(), broker.user(), broker.password());
            probe.setInitialConnectAttempts(1);
            probe.setReconnectAttempts(0);
            probe.setCallTimeout(3000);
        }
        ConnectionFactory probing = probe;
        Beans.bind(context, "brokerHealth", new RelayHealthChecks.Problem("broker", () -> brokerProblem(running, probing,
                broker)));
    }

    /** Null while the broker works, else why not (for readiness). */
    private static String brokerProblem(EmbeddedBroker embedded, ConnectionFactory cf, BrokerSettings settings) {
        if (embedded != null) {
            return embedded.server().isActive() ? null : "the embedded broker is not running";
        }
        try (jakarta.jms.Connection c = settings.user() == null ? cf.createConnection()
                : cf.createConnection(settings.user(), settings.password())) {
            return null;
        } catch (Exception e) {
            return "cannot connect to the broker " + settings.url() + ": " + e.getMessage();
        }
    }
}
