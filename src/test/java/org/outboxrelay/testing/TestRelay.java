package org.outboxrelay.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.config.RelayApplication;
import org.outboxrelay.state.JobRecord;
import org.outboxrelay.state.JobStateStore;

import static org.awaitility.Awaitility.await;

/**
 * The real relay (same bootstrap as {@code java -jar}: the shipped config file and YAML routes) started
 * in-process with its own outbox and data folders, plus helpers to feed it and to watch it: JMS
 * producers, the mail.events topic, mail.dead, the job store.
 */
public final class TestRelay implements AutoCloseable {

    public static final Path PROJECT_ROUTES = Path.of("routes").toAbsolutePath();
    public static final Path PROJECT_CONFIG = Path.of("config", "application.properties").toAbsolutePath();
    /** The bearer token the HTTP API of a test relay accepts. */
    public static final String API_TOKEN = "test-token-5f0c1d9e7a2b4c86";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private Path routesDir = PROJECT_ROUTES;
    private java.time.Clock clock;
    private RelayApplication app;
    private Connection eventConnection;
    private MessageConsumer eventConsumer;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<String> unhandled = new CopyOnWriteArrayList<>();
    private boolean allowUnhandled;

    private TestRelay(Path home) {
        this.home = home;
        properties.put("relay.outbox.dir", home.resolve("outbox").toString());
        properties.put("relay.data.dir", home.resolve("data").toString());
        properties.put("relay.outbox.poll-interval", "100ms");
        properties.put("relay.outbox.min-age", "100ms");
        properties.put("relay.retry.initial-delay", "200ms");
        properties.put("relay.retry.max-delay", "5s");
        properties.put("relay.account.pause.initial", "500ms");
        properties.put("relay.account.pause.max", "2s");
        properties.put("relay.smtp.from", "relay@example.com");
        properties.put("relay.capture.port", "0");
        properties.put("relay.http.port", String.valueOf(freePort()));
        properties.put("relay.http.host", "127.0.0.1");
        properties.put("relay.http.tokens", API_TOKEN);
    }

    /** A port nothing listens on now (each relay its own, kept across restarts). */
    public static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A relay in {@code home} sending to the given test server over plain SMTP without sign-in. */
    public static TestRelay forServer(Path home, TestSmtpServer smtp) {
        return new TestRelay(home).smtp(smtp.port());
    }

    public static TestRelay in(Path home) {
        return new TestRelay(home);
    }

    public TestRelay smtp(int port) {
        properties.put("relay.provider", "smtp");
        properties.put("relay.smtp.host", "127.0.0.1");
        properties.put("relay.smtp.port", String.valueOf(port));
        properties.put("relay.smtp.security", "none");
        properties.put("relay.smtp.auth", "none");
        return this;
    }

    public TestRelay with(String key, String value) {
        if (value == null) {
            properties.remove(key);
        } else {
            properties.put(key, value);
        }
        return this;
    }

    public TestRelay without(String key) {
        properties.remove(key);
        return this;
    }

    public TestRelay routes(Path dir) {
        this.routesDir = dir;
        return this;
    }

    /** The relay's clock (as "relayClock"), e.g. a {@link MutableClock} to cross midnight UTC. */
    public TestRelay clock(java.time.Clock clock) {
        this.clock = clock;
        return this;
    }

    public TestRelay start() throws Exception {
        app = new RelayApplication(PROJECT_CONFIG, routesDir, properties);
        if (clock != null) {
            app.bind("relayClock", clock);
        }
        app.start();
        app.context().getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.ExchangeFailedEvent failed) {
                    unhandled.add(failed.getExchange().getFromRouteId() + ": " + failed.getExchange().getException());
                }
            }
        });
        subscribeToEvents();
        return this;
    }

    /**
     * Failures no route handled (the broker then redelivers the job). The routes handle every expected
     * failure, so any of these is a bug; {@link #stop()} fails the test if there are any.
     */
    public List<String> unhandledFailures() {
        return List.copyOf(unhandled);
    }

    public TestRelay allowUnhandledFailures() {
        this.allowUnhandled = true;
        return this;
    }

    public void stop() throws Exception {
        if (eventConnection != null) {
            eventConnection.close();
            eventConnection = null;
        }
        if (app != null) {
            app.stop();
            app = null;
        }
        if (!allowUnhandled && !unhandled.isEmpty()) {
            List<String> failures = List.copyOf(unhandled);
            unhandled.clear();
            throw new AssertionError("exchanges failed without being handled by the routes: " + failures);
        }
    }

    public TestRelay restart() throws Exception {
        stop();
        events.clear();
        return start();
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    public CamelContext context() {
        return app.context();
    }

    /** The HTTP API of this relay, as its clients call it. */
    public ApiClient api() {
        return new ApiClient(Integer.parseInt(properties.get("relay.http.port")), API_TOKEN);
    }

    public Path outbox() {
        return home.resolve("outbox");
    }

    public Path data() {
        return home.resolve("data");
    }

    /** The lines of the audit trail (data/log/audit.jsonl) so far, each as JSON; none before the first. */
    public List<JsonNode> auditTrail() throws Exception {
        Path file = data().resolve("log").resolve("audit.jsonl");
        if (!Files.exists(file)) {
            return List.of();
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    /** Writes a file the recommended way: under a dot name first, then renamed. */
    public Path drop(String name, String content) throws Exception {
        return drop(name, content.getBytes(StandardCharsets.UTF_8));
    }

    public Path drop(String name, byte[] content) throws Exception {
        Path tmp = outbox().resolve("." + name + ".tmp");
        Files.write(tmp, content);
        return Files.move(tmp, outbox().resolve(name));
    }

    public List<String> filesIn(String folder) throws Exception {
        List<String> names = new ArrayList<>();
        try (var s = Files.list(outbox().resolve(folder))) {
            s.filter(p -> !p.getFileName().toString().startsWith(".")).forEach(p -> names.add(p.getFileName().toString()));
        }
        Collections.sort(names);
        return names;
    }

    public String read(String folder, String name) throws Exception {
        return Files.readString(outbox().resolve(folder).resolve(name));
    }

    /** Waits for a file to appear in outbox/{folder}. */
    public void awaitFile(String folder, String name) {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(outbox().resolve(folder).resolve(name)));
    }

    // --- JMS ---------------------------------------------------------------------------------

    /** The embedded broker (null with an external one). */
    public EmbeddedBroker broker() {
        return context().getRegistry().lookupByNameAndType("embeddedBroker", EmbeddedBroker.class);
    }

    public ActiveMQConnectionFactory connectionFactory() {
        String user = properties.get("relay.broker.user");
        String password = properties.get("relay.broker.password");
        if (properties.containsKey("relay.broker.url")) {
            return new ActiveMQConnectionFactory(properties.get("relay.broker.url"), user, password);
        }
        // the harness watches everything the relay does: it signs in in-VM as the relay itself
        return broker().secured()
                ? new ActiveMQConnectionFactory(broker().inVmUrl(), EmbeddedBroker.INTERNAL_USER,
                        broker().internalPassword())
                : new ActiveMQConnectionFactory(broker().inVmUrl());
    }

    /** Posts a JSON job to mail.jobs as a TextMessage, with optional string properties. */
    public void sendJson(String json, Map<String, String> props) throws Exception {
        try (Connection c = connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage m = s.createTextMessage(json);
            for (Map.Entry<String, String> p : props.entrySet()) {
                m.setStringProperty(p.getKey(), p.getValue());
            }
            s.createProducer(s.createQueue(EmbeddedBroker.JOBS)).send(m);
        }
    }

    public void sendJson(String json) throws Exception {
        sendJson(json, Map.of());
    }

    /** Posts a raw message to mail.jobs as a BytesMessage. */
    public void sendMime(byte[] mime, Map<String, String> props) throws Exception {
        try (Connection c = connectionFactory().createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            BytesMessage m = s.createBytesMessage();
            m.writeBytes(mime);
            for (Map.Entry<String, String> p : props.entrySet()) {
                m.setStringProperty(p.getKey(), p.getValue());
            }
            MessageProducer producer = s.createProducer(s.createQueue(EmbeddedBroker.JOBS));
            producer.send(m);
        }
    }

    /** The messages on mail.dead, browsed (not consumed). */
    public List<Message> deadLetters() throws Exception {
        List<Message> out = new ArrayList<>();
        try (Connection c = connectionFactory().createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue(EmbeddedBroker.DEAD);
            QueueBrowser browser = s.createBrowser(q);
            Enumeration<?> e = browser.getEnumeration();
            while (e.hasMoreElements()) {
                out.add((Message) e.nextElement());
            }
        }
        return out;
    }

    public static String jobId(Message m) {
        try {
            return m.getStringProperty("jobId");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Messages in a queue of the embedded broker, including scheduled ones. */
    public long queueDepth(String queue) {
        if (broker() == null) {
            throw new IllegalStateException("the relay uses an external broker");
        }
        var q = broker().server().locateQueue(SimpleString.of(queue));
        return q == null ? 0 : q.getMessageCount();
    }

    /**
     * A durable subscription: the broker keeps the events published while the test is not connected - between
     * a restart's start of the routes and this subscription, say - so that none is missed.
     */
    private void subscribeToEvents() throws Exception {
        eventConnection = connectionFactory().createConnection();
        eventConnection.setClientID("test-relay");
        Session s = eventConnection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = s.createDurableConsumer(s.createTopic(EmbeddedBroker.EVENTS), "events");
        eventConsumer = consumer;
        consumer.setMessageListener(m -> {
            try {
                events.add(JSON.readTree(((TextMessage) m).getText()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        eventConnection.start();
    }

    /**
     * Ends the harness' subscription to mail.events (it is gone at the broker, not only away): from now on
     * nobody subscribes, unless the test does.
     */
    public void stopFollowingEvents() throws Exception {
        Session s = eventConnection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        eventConsumer.close();
        s.unsubscribe("events");
        eventConnection.close();
        eventConnection = null;
    }

    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** Waits for an event matching the predicate and returns it. */
    public JsonNode awaitEvent(Predicate<JsonNode> match) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> events.stream().filter(match).findFirst().orElse(null), e -> e != null);
    }

    public static Predicate<JsonNode> status(String jobId, String status) {
        return e -> jobId.equals(e.path("jobId").asText()) && status.equals(e.path("status").asText());
    }

    public List<JsonNode> eventsFor(String jobId) {
        return events.stream().filter(e -> jobId.equals(e.path("jobId").asText())).toList();
    }

    // --- state ---------------------------------------------------------------------------------

    public JobStateStore store() {
        return context().getRegistry().lookupByNameAndType("jobStore", JobStateStore.class);
    }

    public JobRecord record(String id) {
        return store().find(id).orElse(null);
    }
}
