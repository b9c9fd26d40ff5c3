package org.outboxrelay.e2e;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The embedded broker's network acceptor (only with a login), and an external Artemis broker instead. */
class BrokerTest {

    @TempDir
    Path home;
    TestSmtpServer smtp = TestSmtpServer.startPlain();
    TestRelay relay;
    EmbeddedActiveMQ external;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (external != null) {
            external.stop();
        }
        smtp.close();
    }

    @Test
    void networkClientsPostOverCoreAndAmqpWithTheLoginOnly() throws Exception {
        int port = freePort();
        relay = TestRelay.forServer(home, smtp).with("relay.broker.listen", "127.0.0.1:" + port)
                .with("relay.broker.user", "app").with("relay.broker.password", "s3cret").start();

        post(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port), "app", "s3cret", "core-1");
        relay.awaitEvent(TestRelay.status("core-1", "sent"));
        post(new JmsConnectionFactory("amqp://127.0.0.1:" + port), "app", "s3cret", "amqp-1");
        relay.awaitEvent(TestRelay.status("amqp-1", "sent"));

        assertThrows(JMSSecurityException.class,
                () -> post(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port), "app", "wrong", "core-2"));
        assertThrows(JMSException.class,
                () -> post(new JmsConnectionFactory("amqp://127.0.0.1:" + port), "intruder", "x", "amqp-2"));
        assertEquals(2, smtp.messages().size());
    }

    @Test
    void theApplicationsLoginPostsAndFollowsEventsButOnlyTheAdminLoginReadsDeadLetters() throws Exception {
        int port = freePort();
        relay = TestRelay.forServer(home, smtp).with("relay.broker.listen", "127.0.0.1:" + port)
                .with("relay.broker.user", "app").with("relay.broker.password", "s3cret")
                .with("relay.broker.admin-user", "ops").with("relay.broker.admin-password", "0ps-s3cret").start();
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 unknown");
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port);
        try (Connection app = cf.createConnection("app", "s3cret")) {
            app.start();
            jakarta.jms.Session s = app.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
            jakarta.jms.MessageConsumer events = s.createConsumer(s.createTopic("mail.events"));
            jakarta.jms.TextMessage job = s.createTextMessage("{\"to\": \"gone@example.com\", \"subject\": \"s\","
                    + " \"text\": \"t\"}");
            job.setStringProperty("jobId", "roles-1");
            s.createProducer(s.createQueue("mail.jobs")).send(job);
            assertTrue(((jakarta.jms.TextMessage) events.receive(30_000)).getText().contains("roles-1"),
                    "the application follows the events");
            relay.awaitEvent(TestRelay.status("roles-1", "failed"));
            assertThrows(JMSSecurityException.class, () -> s.createBrowser(s.createQueue("mail.dead"))
                    .getEnumeration().hasMoreElements(), "a dead letter's content is not the application's to read");
            assertThrows(JMSSecurityException.class, () -> s.createConsumer(s.createQueue("mail.jobs")),
                    "nor are other applications' jobs");
        }
        try (Connection ops = cf.createConnection("ops", "0ps-s3cret")) {
            jakarta.jms.Session s = ops.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
            assertTrue(s.createBrowser(s.createQueue("mail.dead")).getEnumeration().hasMoreElements(),
                    "the operator reads mail.dead");
        }
    }

    @Test
    void withoutALoginTheBrokerDoesNotListenOnTheNetwork() throws Exception {
        int port = freePort();
        relay = TestRelay.forServer(home, smtp).with("relay.broker.listen", "127.0.0.1:" + port).start();
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"in-vm\", \"text\": \"t\"}", Map.of("jobId", "vm-1"));
        relay.awaitEvent(TestRelay.status("vm-1", "sent"));
    }

    @Test
    void externalBrokerReplacesTheEmbeddedOne() throws Exception {
        int port = freePort();
        external = new EmbeddedActiveMQ().setConfiguration(new ConfigurationImpl()
                .setPersistenceEnabled(false).setSecurityEnabled(false)
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + port));
        external.start();
        relay = TestRelay.forServer(home, smtp).with("relay.broker.url", "tcp://127.0.0.1:" + port).start();

        assertEquals(null, relay.context().getRegistry().lookupByName("embeddedBroker"));
        post(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port), null, null, "ext-1");
        relay.awaitEvent(TestRelay.status("ext-1", "sent"));
        assertEquals("external", smtp.awaitMessage().subject());
    }

    private static void post(jakarta.jms.ConnectionFactory cf, String user, String password, String jobId)
            throws JMSException {
        try (Connection c = user == null ? cf.createConnection() : cf.createConnection(user, password)) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage m = s.createTextMessage("{\"to\": \"a@example.com\", \"subject\": \"external\", \"text\": \"t\"}");
            m.setStringProperty("jobId", jobId);
            s.createProducer(s.createQueue("mail.jobs")).send(m);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
