package org.outboxrelay.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full disk under data/ (a 64 MB tmpfs, so it needs root to mount: skipped otherwise): the relay stops taking
 * work and says so once - readiness down with the reason, HTTP 503, the broker refusing JMS senders, outbox files
 * left where they are - loses nothing, and takes work again by itself when space returns. And a broker that
 * stopped by itself (as Artemis does on a critical IO error of its journal) is started again.
 */
class DiskFullTest {

    private static Path mountPoint;
    private static String mountProblem;

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;
    LogCapture log;
    private final List<String> accepted = new ArrayList<>();

    @BeforeAll
    static void mountSmallDisk() throws Exception {
        mountPoint = Files.createTempDirectory("relay-small-disk");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs",
                mountPoint.toString()).redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!mount.waitFor(20, TimeUnit.SECONDS) || mount.exitValue() != 0) {
            mountProblem = "mount -t tmpfs failed (it needs root): " + output;
        }
    }

    @AfterAll
    static void unmount() throws Exception {
        if (mountProblem == null && mountPoint != null) {
            new ProcessBuilder("umount", "-l", mountPoint.toString()).inheritIO().start().waitFor(20, TimeUnit.SECONDS);
        }
        if (mountPoint != null) {
            Files.deleteIfExists(mountPoint);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (log != null) {
            log.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void aFullDiskStopsTheIntakeOnceAndTheRelayResumesByItself() throws Exception {
        assumeTrue(mountProblem == null, () -> "Skipped: this test needs a small file system for data/ - "
                + mountProblem);
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.data.dir", mountPoint.resolve("data").toString())
                .with("relay.data.min-free", "16MB").with("relay.data.check-interval", "200ms").start();
        ApiClient api = relay.api();
        post(api, "before", 202);
        smtp.awaitMessage();
        log = LogCapture.start();

        // the disk fills (someone else's file): less than relay.data.min-free, and less than the broker's half
        List<Path> fillers = new ArrayList<>();
        fillers.add(fill(mountPoint.resolve("filler-1"), Files.getFileStore(mountPoint).getUsableSpace() - 6_000_000));
        ApiClient.Response ready = await().atMost(Duration.ofSeconds(10))
                .until(() -> api.get("/observe/health/ready"), r -> r.status() == 503);
        // (camel-health writes a slash as \/)
        String reason = ready.json().path("checks").get(0).path("message").asText().replace("\\/", "/");
        assertTrue(reason.startsWith("taking no jobs: relay.data.dir (" + mountPoint.resolve("data") + ") has ")
                && reason.endsWith(" free, less than relay.data.min-free (16 MB)"), reason);
        assertEquals(200, api.get("/observe/health/live").status(), "alive all the same");

        // no work is taken: HTTP 503 with the reason, JMS senders refused by the broker, files left in outbox/
        ApiClient.Response refused = post(api, "during", 503);
        assertTrue(refused.json().path("detail").asText().contains("less than relay.data.min-free"), refused.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> !sendJms("jms-during"));
        relay.drop("waiting-1.json", job("waiting-1"));
        relay.drop("waiting-2.json", job("waiting-2"));
        accepted.add("waiting-1");
        accepted.add("waiting-2");

        // the disk fills to the last byte: nothing breaks, nothing more is said
        fillers.add(fill(mountPoint.resolve("filler-2"), Long.MAX_VALUE));
        Thread.sleep(1500);
        assertEquals(List.of("waiting-1.json", "waiting-2.json"), waitingFiles(), "the files wait");
        assertEquals(503, api.get("/observe/health/ready").status());
        assertEquals(200, api.get("/observe/health/live").status());

        // space returns: work is taken again, without a restart
        for (Path f : fillers) {
            Files.delete(f);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/observe/health/ready").status() == 200);
        post(api, "during", 202); // the client sends its refused job again
        assertTrue(sendJms("jms-after"));
        List<ReceivedMessage> got = smtp.awaitMessages(1 + accepted.size(), Duration.ofSeconds(30));
        List<String> subjects = got.stream().map(ReceivedMessage::subject).sorted().toList();
        List<String> expected = new ArrayList<>(accepted);
        expected.add("before");
        expected.sort(null);
        assertEquals(expected, subjects, "each accepted job sent once, nothing lost");
        Thread.sleep(500);
        assertEquals(expected.size(), smtp.messages().size(), "nothing sent twice");
        assertEquals(List.of(), waitingFiles());

        // said once when it stopped and once when it resumed, with no stack trace in between
        List<String> lines = log.lines();
        assertEquals(1, lines.stream().filter(l -> l.contains("Taking no jobs until this is resolved")).count(),
                log.all());
        assertEquals(1, lines.stream().filter(l -> l.contains("Taking jobs again")).count(), log.all());
        assertTrue(lines.stream().noneMatch(l -> l.contains("\n\tat ")), log.all());
    }

    @Test
    void aBrokerThatStoppedByItselfIsStartedAgain() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.data.check-interval", "200ms").start()
                .allowUnhandledFailures();
        ApiClient api = relay.api();
        post(api, "before", 202);
        smtp.awaitMessage();

        // what Artemis does on a critical IO error of its journal (AMQ222010) - and again after the restart
        EmbeddedBroker broker = relay.context().getRegistry().lookupByNameAndType("embeddedBroker",
                EmbeddedBroker.class);
        for (String id : List.of("after-first", "after")) {
            // the crashed server itself: the relay may have put a new one in its place before the first look
            ActiveMQServerImpl crashed = (ActiveMQServerImpl) broker.server();
            crashed.stopTheServer(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !crashed.isStarted());

            await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/observe/health/ready").status() == 200
                    && broker.server().isActive());
            await().atMost(Duration.ofSeconds(30)).until(() -> post(api, id, -1).status() == 202);
            await().atMost(Duration.ofSeconds(30)).until(() -> smtp.messages().stream()
                    .anyMatch(m -> id.equals(m.subject())));
        }
        relay.drop("file-after.json", job("file-after"));
        accepted.add("file-after");
        await().atMost(Duration.ofSeconds(30)).until(() -> sendJms("jms-after"));
        List<String> subjects = smtp.awaitMessages(1 + accepted.size(), Duration.ofSeconds(30)).stream()
                .map(ReceivedMessage::subject).sorted().toList();
        assertEquals(List.of("after", "after-first", "before", "file-after", "jms-after"), subjects);
    }

    private ApiClient.Response post(ApiClient api, String id, int expectedStatus) {
        ApiClient.Response r = api.postJson("/api/v1/mails", job(id));
        if (expectedStatus > 0) {
            assertEquals(expectedStatus, r.status(), r.toString());
        }
        if (r.status() == 202 && !"before".equals(id)) {
            accepted.add(id);
        }
        return r;
    }

    /** Sends a job as a JMS client would; false when the broker refused it. */
    private boolean sendJms(String id) {
        try {
            relay.sendJson(job(id));
            accepted.add(id);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static String job(String id) {
        return "{\"id\": \"" + id + "\", \"to\": \"a@example.com\", \"subject\": \"" + id + "\", \"text\": \"t\"}";
    }

    private List<String> waitingFiles() throws IOException {
        try (var s = Files.list(relay.outbox())) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    /** Writes real bytes (a sparse file would take no space) until {@code bytes} or the disk is full. */
    private static Path fill(Path file, long bytes) throws IOException {
        byte[] chunk = new byte[1024 * 1024];
        java.util.Arrays.fill(chunk, (byte) 1);
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (written < bytes) {
                int n = (int) Math.min(chunk.length, bytes - written);
                out.write(chunk, 0, n);
                written += n;
            }
        } catch (IOException full) {
            // no space left: as full as it gets
        }
        return file;
    }
}
