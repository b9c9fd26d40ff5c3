package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.cli.AdminSocketClient;
import org.outboxrelay.http.AdminSocket;
import org.outboxrelay.testing.RelayProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `queue status` on the quick start's relay (its own JVM in its own folder, default settings: no broker login, no
 * token): the command reaches it through data/admin.sock. The socket is its user's only: data/ is rwx------, the
 * socket rw-------, and a caller of another user (run as {@code nobody} with runuser) is refused by the file system -
 * and, when the permissions are loosened on purpose, by the relay's check of the caller (SO_PEERCRED).
 */
class QueueSocketTest {

    @TempDir
    static Path home;
    private static RelayProcess relay;

    @BeforeAll
    static void start() throws Exception {
        // the quick start: provider capture, embedded broker without a network acceptor, no tokens
        relay = new RelayProcess(home).with("relay.capture.port", "0");
        relay.start(); // after the assignment: a relay that does not come up is still stopped by stop()
    }

    @AfterAll
    static void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void queueStatusWorksOnADefaultInstall() throws Exception {
        RelayProcess.Exit status = relay.runToExit(Duration.ofSeconds(60), "queue", "status");
        assertEquals(0, status.code(), status.output());
        assertTrue(status.output().matches("(?s).*mail\\.jobs\\s+0\\s+0.*"), status.output());
        assertTrue(status.output().matches("(?s).*mail\\.dead\\s+0\\s+0.*"), status.output());
        RelayProcess.Exit list = relay.runToExit(Duration.ofSeconds(60), "queue", "dead", "list");
        assertEquals(0, list.code(), list.output());
        assertTrue(list.output().contains("mail.dead is empty"), list.output());

        Path data = home.resolve("data");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                data.resolve(AdminSocket.FILE_NAME))));
    }

    @Test
    void anotherUserCannotUseTheSocket() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "runs the client as nobody with runuser, which needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of(
                "/sbin/runuser")), "needs runuser (util-linux)");
        Path socket = home.resolve("data").resolve(AdminSocket.FILE_NAME).toAbsolutePath();

        // the client alone (plain JDK), where nobody can read it
        Path classes = Files.createTempDirectory("socket-client");
        Path target = classes.resolve("org/outboxrelay/cli/AdminSocketClient.class");
        Files.createDirectories(target.getParent());
        for (String c : new String[] {"AdminSocketClient", "AdminSocketClient$Response"}) {
            Files.copy(Path.of("target/classes/org/outboxrelay/cli/" + c + ".class"),
                    target.getParent().resolve(c + ".class"), StandardCopyOption.REPLACE_EXISTING);
        }
        try (var files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x"
                        : "rw-r--r--"));
            }
        }
        String canSwitch = run(List.of("runuser", "-u", "nobody", "--", java(), "-XX:-UsePerfData", "-version"));
        Assumptions.assumeTrue(canSwitch.startsWith("0\n"), "cannot run java as nobody here: " + canSwitch);

        // as the relay's user: served
        String own = run(List.of(java(), "-cp", classes.toString(), "org.outboxrelay.cli.AdminSocketClient",
                socket.toString(), "GET", "/api/v1/admin/queues"));
        assertTrue(own.startsWith("0\n200\n[{\"queue\":\"mail.jobs\""), own);

        // as nobody: data/ (and the folder above it) are closed to other users
        String refused = runAsNobody(classes, socket);
        assertTrue(refused.startsWith("1\n") && refused.contains("Permission denied"), refused);

        // even with the folders and the socket opened up by mistake, the relay refuses another user
        Path data = home.resolve("data");
        String homeMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(home));
        try {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            String checked = runAsNobody(classes, socket);
            assertTrue(checked.startsWith("1\n403\n") && checked.contains("Only the relay's user"), checked);
            assertTrue(Files.readString(home.resolve("relay-1.log")).contains("refused a connection of user nobody")); // the relay's own log (later numbers are the commands')
        } finally {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString(homeMode));
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String runAsNobody(Path classes, Path socket) throws Exception {
        return run(List.of("runuser", "-u", "nobody", "--", java(), "-XX:-UsePerfData", "-cp", classes.toString(),
                "org.outboxrelay.cli.AdminSocketClient", socket.toString(), "GET", "/api/v1/admin/queues"));
    }

    /** Exit code, then the output. */
    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + command);
        }
        return p.exitValue() + "\n" + out;
    }
}
