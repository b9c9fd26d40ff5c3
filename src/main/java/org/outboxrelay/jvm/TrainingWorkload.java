package org.outboxrelay.jvm;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.config.RelayApplication;

/**
 * The training run of {@link JvmCacheTraining}: the relay as shipped (config/application.properties, routes/,
 * templates/ of the project, capture provider) in a scratch folder, relaying jobs of every kind - JSON with text,
 * HTML, attachments, templates; complete messages; invalid ones; duplicates - through JMS, the outbox folder and
 * the HTTP API, until each has its outcome event. What the JVM loads and compiles on the way is what the cache
 * keeps.
 */
public final class TrainingWorkload {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainingWorkload.class);

    private static final String TOKEN = "training-" + Long.toHexString(System.nanoTime());
    /**
     * Jobs per kind and channel: JDK 25's AOT cache keeps method profiles, which take thousands of jobs to settle;
     * a class-data sharing archive (JDK 17-24) keeps loaded classes only, which a hundred jobs of every kind load
     * as well as a thousand (and mvn package takes about 10 s less).
     */
    private static final int ROUNDS = Runtime.version().feature() >= JvmCache.AOT_FROM ? 1000 : 100;

    private TrainingWorkload() {
    }

    public static void main(String[] args) throws Exception {
        Path project = Path.of(args[0]);
        Path home = Files.createTempDirectory("relay-training");
        int port = freePort();
        RelayApplication relay = new RelayApplication(
                JvmCacheTraining.projectFile(project, "config/application.properties"),
                JvmCacheTraining.projectFile(project, "routes"), Map.of(
                        "relay.data.dir", home.resolve("data").toString(),
                        "relay.outbox.dir", home.resolve("outbox").toString(),
                        "relay.templates.dir", JvmCacheTraining.projectFile(project, "templates").toString(),
                        "relay.provider", "capture",
                        "relay.capture.port", "0",
                        "relay.http.host", "127.0.0.1",
                        "relay.http.port", String.valueOf(port),
                        "relay.http.tokens", TOKEN,
                        "relay.routes.reload", "false"));
        long start = System.nanoTime();
        relay.start();
        EmbeddedBroker broker = relay.context().getRegistry().lookupByNameAndType("embeddedBroker",
                EmbeddedBroker.class);
        int expected;
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(broker.inVmUrl());
                Connection connection = cf.createConnection()) {
            Session events = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer outcomes = events.createConsumer(events.createTopic(EmbeddedBroker.EVENTS));
            Semaphore done = new Semaphore(0);
            outcomes.setMessageListener(m -> done.release());
            connection.start();

            expected = viaJms(connection) + viaOutbox(home.resolve("outbox")) + viaHttp(port);
            if (!done.tryAcquire(expected, 10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("only " + done.availablePermits() + " of " + expected
                        + " jobs had an outcome within 10 minutes");
            }
        }
        LOG.info("Training: {} jobs relayed in {} s", expected, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        relay.stop();
        try (Stream<Path> all = Files.walk(home)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.exit(0);
    }

    /** JSON jobs of every shape, complete messages, an invalid job and a duplicate, on mail.jobs. */
    private static int viaJms(Connection connection) throws Exception {
        Session s = connection.createSession(true, Session.SESSION_TRANSACTED);
        MessageProducer jobs = s.createProducer(s.createQueue(EmbeddedBroker.JOBS));
        jobs.setDeliveryMode(DeliveryMode.PERSISTENT);
        int n = 0;
        for (int i = 0; i < ROUNDS; i++) {
            jobs.send(s.createTextMessage(job("jms-" + i, i)));
            n++;
            if (i % 10 == 0) {
                BytesMessage raw = s.createBytesMessage();
                raw.writeBytes(("From: training@example.com\r\nTo: raw" + i + "@example.com\r\nSubject: raw " + i
                        + "\r\n\r\nA complete message.\r\n").getBytes(StandardCharsets.UTF_8));
                jobs.send(raw);
                n++;
            }
            if (i % 50 == 49) {
                s.commit();
            }
        }
        jobs.send(s.createTextMessage("{\"to\": \"not an address\", \"subject\": \"invalid\"}"));
        jobs.send(s.createTextMessage(job("jms-0", 0))); // a duplicate of the first
        s.commit();
        return n + 2;
    }

    /** JSON files and .eml files dropped into the outbox the way applications are told to: written, renamed. */
    private static int viaOutbox(Path outbox) throws Exception {
        Path staging = Files.createDirectories(outbox.resolveSibling("staging"));
        int n = 0;
        for (int i = 0; i < ROUNDS / 2; i++) {
            Path file = Files.writeString(staging.resolve("job-" + i + ".json"), job("outbox-" + i, i));
            Files.move(file, outbox.resolve(file.getFileName()));
            n++;
            if (i % 20 == 0) {
                Path eml = Files.writeString(staging.resolve("mail-" + i + ".eml"), "From: training@example.com\r\n"
                        + "To: eml" + i + "@example.com\r\nSubject: eml " + i + "\r\n\r\nA message file.\r\n");
                Files.move(eml, outbox.resolve(eml.getFileName()));
                n++;
            }
        }
        return n;
    }

    /** Single jobs from a few clients, and some batches. */
    private static int viaHttp(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<Integer>> sent = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int client = c;
            sent.add(clients.submit(() -> {
                int n = 0;
                for (int i = client; i < ROUNDS / 2; i += 4) {
                    post(http, port, "/api/v1/mails", job("http-" + i, i));
                    n++;
                    if (i % 50 == 0) {
                        post(http, port, "/api/v1/mails/batch", "[" + job("batch-" + i + "-a", i) + ","
                                + job("batch-" + i + "-b", i + 1) + "]");
                        n += 2;
                    }
                }
                return n;
            }));
        }
        int n = 0;
        for (Future<Integer> f : sent) {
            n += f.get();
        }
        clients.shutdown();
        return n;
    }

    private static void post(HttpClient http, int port, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** Job number i: mostly plain text as most jobs are; every few HTML with text, an attachment, a template. */
    private static String job(String id, int i) {
        String to = "\"to\": \"r" + i + "@example.com\"";
        return switch (i % 8) {
            case 1 -> "{\"id\": \"" + id + "\", " + to + ", \"subject\": \"HTML " + i + "\","
                    + " \"text\": \"Hello " + i + "\", \"html\": \"<p>Hello <b>" + i + "</b></p>\"}";
            case 3 -> "{\"id\": \"" + id + "\", " + to + ", \"cc\": [\"c" + i + "@example.com\"], \"subject\": \"Report "
                    + i + "\", \"text\": \"Attached.\", \"attachments\": [{\"filename\": \"report.txt\","
                    + " \"contentType\": \"text/plain\", \"contentBase64\": \""
                    + Base64.getEncoder().encodeToString(("report " + i).getBytes(StandardCharsets.UTF_8)) + "\"}]}";
            case 5 -> "{\"id\": \"" + id + "\", " + to + ", \"template\": \"welcome\", \"locale\": \""
                    + (i % 16 == 5 ? "de" : "en") + "\", \"model\": {\"name\": \"Reader " + i + "\","
                    + " \"loginUrl\": \"https://shop.example.com/login\"}}";
            default -> "{\"id\": \"" + id + "\", " + to + ", \"subject\": \"Job " + i + "\", \"text\": \"Hello number "
                    + i + ",\\nthis is a plain text job. Grüße!\", \"headers\": {\"X-Training\": \"" + i + "\"}}";
        };
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
