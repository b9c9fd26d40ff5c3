package org.outboxrelay.routes;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.Message.RecipientType;
import jakarta.mail.internet.InternetAddress;

import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.junit.jupiter.api.Test;
import org.outboxrelay.config.RelayApplication;
import org.outboxrelay.delivery.MessageIds;
import org.outboxrelay.delivery.OutgoingMessage;
import org.outboxrelay.state.JobStateStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deliver-mail route of routes/delivery.camel.yaml on its own: its input replaced by a direct endpoint,
 * the SMTP endpoint and the dead letter queue mocked.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:config/application.properties",
        properties = {
            "relay.data.dir=target/route-tests/delivery/data",
            "relay.outbox.dir=target/route-tests/delivery/outbox",
            "relay.capture.port=0",
            "relay.http.port=0",
            "relay.routes.reload=false",
            "relay.smtp.from=relay@example.com"},
        replaceRouteFromWith = {"deliver-mail=direct:deliver"},
        mockEndpointsAndSkip = "(smtp:.*|jms://queue:mail.dead)")
class DeliveryRouteTest {

    @EndpointInject("mock:jms:queue:mail.dead")
    MockEndpoint dead;

    @org.apache.camel.BeanInject
    CamelContext context;

    @EndpointInject("direct:deliver")
    ProducerTemplate deliver;

    @Configure
    protected void configure(MainConfigurationProperties config) {
        RelayApplication.configure(config, Path.of("routes"));
    }

    private MockEndpoint smtp() {
        return context.getEndpoints().stream().filter(e -> e.getEndpointUri().startsWith("mock://smtp"))
                .map(MockEndpoint.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError(context.getEndpoints().stream().map(e -> e.getEndpointUri()).toList()));
    }

    @Test
    void buildsTheMessageAndHandsTheSmtpEndpointNothingButIt() throws Exception {
        String id = "route-" + UUID.randomUUID();
        MockEndpoint smtp = smtp();
        smtp.expectedMessageCount(1);
        deliver.sendBodyAndHeaders("{\"to\": \"a@example.com\", \"bcc\": \"b@example.com\", \"subject\": \"Route\","
                + " \"text\": \"t\"}", Map.of("jobId", id, "JMSCorrelationID", "c-1", "Foo", "bar"));
        smtp.assertIsSatisfied();

        Exchange sent = smtp.getExchanges().get(0);
        assertTrue(sent.getMessage().getHeaders().isEmpty(), "headers: " + sent.getMessage().getHeaders());
        OutgoingMessage m = sent.getMessage().getBody(OutgoingMessage.class);
        assertEquals("Route", m.getSubject());
        assertNull(m.getRecipients(RecipientType.BCC));
        assertEquals(2, m.getEnvelopeRecipients().size());
        assertEquals(new InternetAddress("b@example.com"), m.getEnvelopeRecipients().get(1));
        assertTrue(m.getMessageID().endsWith(".relay@example.com>"));
        // made of the job id and the time the job store admitted it, which every later attempt reads back
        JobStateStore store = context.getRegistry().lookupByNameAndType("jobStore", JobStateStore.class);
        assertEquals(MessageIds.forJob(id, store.find(id).orElseThrow().createdAt(), "example.com"), m.getMessageID());
    }

    @Test
    void anInvalidJobIsDeadLetteredWithItsReason() throws Exception {
        String id = "route-bad-" + UUID.randomUUID();
        dead.expectedMessageCount(1);
        dead.expectedHeaderReceived("jobId", id);
        smtp().expectedMessageCount(0);
        deliver.sendBodyAndHeaders("{\"to\": \"a@example.com\", \"subject\": \"x\"}", Map.of("jobId", id));
        dead.assertIsSatisfied();
        smtp().assertIsSatisfied();
        String reason = dead.getExchanges().get(0).getMessage().getHeader("failureReason", String.class);
        assertTrue(reason.contains("a body is required"), reason);
    }
}
