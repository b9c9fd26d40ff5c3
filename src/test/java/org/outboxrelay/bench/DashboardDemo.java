package org.outboxrelay.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import jakarta.jms.Connection;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestSmtpServer;
import org.outboxrelay.testing.TestSmtpServer.Stage;

/**
 * Runs a relay (own JVM) under a few minutes of varied traffic so that the dashboard has something to show:
 * jobs over JMS, HTTP and the outbox at a rate that rises and falls, a few bounces (550), invalid jobs and
 * duplicates, a burst of 451 deferrals, and an SMTP outage in the middle that builds a backlog, which the
 * relay then drains through its throttle. Used by {@code bench/dashboard}, which scrapes it with Prometheus
 * and renders docs/dashboard.png; prints the time window on its last line.
 *
 * <pre>
 *   bench/run DashboardDemo --seconds 300 --http-port 18080 --token dashboard-demo-token-0001
 * </pre>
 */
public final class DashboardDemo {

    public static void main(String[] args) throws Exception {
        int seconds = 300;
        int httpPort = 18080;
        String token = "dashboard-demo-token-0001";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--http-port" -> httpPort = Integer.parseInt(args[++i]);
                case "--token" -> token = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path home = Files.createTempDirectory("relay-dashboard");
        int brokerPort = BenchSupport.freePort();
        int smtpPort = BenchSupport.freePort();
        Random random = new Random(42);
        TestSmtpServer sink = startSink(smtpPort);
        try (RelayProcess relay = new RelayProcess(home)) {
            relay.with("relay.provider", "smtp").with("relay.smtp.host", "127.0.0.1")
                    .with("relay.smtp.port", String.valueOf(smtpPort)).with("relay.smtp.security", "none")
                    .with("relay.smtp.from", "demo@example.com")
                    .with("relay.http.port", String.valueOf(httpPort)).with("relay.http.tokens", token)
                    .with("relay.limits.messages-per-minute", "2400")
                    .with("relay.retry.initial-delay", "10s").with("relay.retry.max-delay", "40s")
                    .with("relay.health.smtp-probe-interval", "5s")
                    .with("relay.outbox.min-age", "200ms")
                    .with("relay.broker.listen", "127.0.0.1:" + brokerPort)
                    .with("relay.broker.user", "demo").with("relay.broker.password", "demo-password");
            relay.start();
            ApiClient api = new ApiClient(httpPort, token);
            ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
            Instant start = Instant.now();
            int n;
            BenchSupport.report("DEMO START " + start.getEpochSecond());
            try (Connection c = cf.createConnection("demo", "demo-password")) {
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageProducer jms = s.createProducer(s.createQueue("mail.jobs"));
                long tick = 200;
                n = 0;
                boolean outage = false;
                double owed = 0;
                for (long t = 0; t < seconds * 1000L; t += tick) {
                    double phase = (double) t / (seconds * 1000L);
                    if (!outage && phase >= 0.45 && phase < 0.6) {
                        sink.close(); // the SMTP server goes away: deferrals, backlog, readiness down
                        outage = true;
                        BenchSupport.report("outage from " + Instant.now());
                    } else if (outage && phase >= 0.6) {
                        sink = startSink(smtpPort);
                        outage = false;
                        BenchSupport.report("outage until " + Instant.now());
                    }
                    if (Math.abs(phase - 0.2) < 0.001) {
                        sink.failNext(Stage.RCPT, 451, "4.7.1 Greylisted, try again later", 40);
                    }
                    // 12 to 38 jobs per second, in waves
                    double rate = 25 + 13 * Math.sin(2 * Math.PI * phase * 3);
                    owed += rate * tick / 1000.0;
                    for (; owed >= 1; owed--, n++) {
                        String id = random.nextInt(100) < 2 && n > 10 ? "demo-" + (n - 5) : "demo-" + n; // duplicates
                        String to = random.nextInt(100) < 2 ? "bounce@example.com" : "reader" + n + "@example.com";
                        String job = random.nextInt(100) < 1 ? "{\"id\": \"" + id + "\", \"subject\": \"no recipient\"}"
                                : "{\"id\": \"" + id + "\", \"to\": \"" + to + "\", \"subject\": \"Demo " + n
                                        + "\", \"text\": \"Hello number " + n + "\"}";
                        int channel = random.nextInt(100);
                        if (channel < 70) {
                            jms.send(s.createTextMessage(job));
                        } else if (channel < 90) {
                            api.postJson("/api/v1/mails", job);
                        } else {
                            Path tmp = home.resolve("outbox").resolve(id + ".json.tmp");
                            Files.writeString(tmp, job);
                            Files.move(tmp, home.resolve("outbox").resolve(id + ".json"),
                                    StandardCopyOption.ATOMIC_MOVE);
                        }
                    }
                    Thread.sleep(tick); // a load generator paces itself; nothing here waits for a result
                }
                BenchSupport.report(n + " jobs submitted");
            }
            Thread.sleep(60_000); // let the backlog drain and the last scrapes happen
            BenchSupport.report("DEMO END " + Instant.now().getEpochSecond());
            relay.terminate(Duration.ofSeconds(60));
        } finally {
            sink.close();
        }
    }

    private static TestSmtpServer startSink(int port) {
        TestSmtpServer sink = TestSmtpServer.builder().port(port).start();
        sink.refuseRecipient("bounce@example.com", 550, "5.1.1 User unknown");
        return sink;
    }
}
