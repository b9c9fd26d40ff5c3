package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.impl.AddressInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.broker.EventAudience;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outcome events go to mail.events when somebody subscribes to it - a durable subscription whose subscriber is
 * away, a wildcard subscription - and are not sent at all when nobody does (the broker would drop them); the audit
 * trail has every one of them either way.
 */
class EventAudienceTest {

    @TempDir
    Path home;
    TestSmtpServer smtp = TestSmtpServer.startPlain();
    TestRelay relay;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        smtp.close();
    }

    @Test
    void anEventIsSentOnlyWhenMailEventsHasASubscription() throws Exception {
        relay = TestRelay.forServer(home, smtp).start();
        EventAudience audience = relay.context().getRegistry().lookupByNameAndType("eventAudience",
                EventAudience.class);
        AddressInfo events = relay.broker().server().getAddressInfo(SimpleString.of(EmbeddedBroker.EVENTS));

        // the harness' durable subscription
        assertTrue(audience.present());
        relay.sendJson(job("with-subscriber"));
        relay.awaitEvent(TestRelay.status("with-subscriber", "sent"));
        long routed = events.getRoutedMessageCount();
        assertEquals(0, events.getUnRoutedMessageCount());

        // nobody: the job is sent, recorded and audited, and its event never reaches the broker
        relay.stopFollowingEvents();
        assertFalse(audience.present());
        relay.sendJson(job("nobody-listens"));
        smtp.awaitMessages(2, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> audited("nobody-listens"));
        assertEquals(routed, events.getRoutedMessageCount());
        assertEquals(0, events.getUnRoutedMessageCount(), "an event was sent to a topic without subscribers");

        // a wildcard subscription (mail.#) is a subscription to mail.events too
        List<String> received = new CopyOnWriteArrayList<>();
        try (Connection c = relay.connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = s.createConsumer(s.createTopic("mail.#"));
            consumer.setMessageListener(m -> {
                try {
                    received.add(((TextMessage) m).getText());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            c.start();
            assertTrue(audience.present());
            relay.sendJson(job("wildcard"));
            await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().anyMatch(
                    e -> e.contains("\"wildcard\"") && e.contains("\"sent\"")));
        }
        assertEquals(routed + 1, events.getRoutedMessageCount());
    }

    private boolean audited(String jobId) throws Exception {
        return relay.auditTrail().stream()
                .anyMatch(l -> jobId.equals(l.path("jobId").asText()) && "sent".equals(l.path("outcome").asText()));
    }

    private static String job(String id) {
        return "{\"id\": \"" + id + "\", \"to\": [\"a@example.com\"], \"subject\": \"Hi\", \"text\": \"Hello\"}";
    }
}
