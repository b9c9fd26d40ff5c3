package org.outboxrelay.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for the tests: Debian's PostgreSQL 15 binaries ({@code /usr/lib/postgresql/15/bin})
 * run as the {@code postgres} user (initdb refuses root) in a fresh folder, on a free port of 127.0.0.1 only,
 * with trust authentication for local test users. One server per test JVM, started on first use and stopped
 * when the JVM ends; each test takes a database of its own ({@link #newDatabase()}).
 */
public final class TestPostgres {

    public static final Path BIN = Path.of(System.getProperty("relay.test.postgres.bin", "/usr/lib/postgresql/15/bin"));
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static TestPostgres shared;

    private final Path dir;
    private final int port;

    private TestPostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The server of this test JVM, started if it is not running. */
    public static synchronized TestPostgres get() {
        if (shared == null) {
            shared = start();
            TestPostgres server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::stopQuietly, "stop-test-postgres"));
        }
        return shared;
    }

    private static TestPostgres start() {
        if (!Files.isExecutable(BIN.resolve("initdb"))) {
            throw new IllegalStateException("PostgreSQL is needed for this test: " + BIN + "/initdb not found"
                    + " (apt-get install postgresql-15, or -Drelay.test.postgres.bin=DIR)");
        }
        try {
            Path dir = Files.createTempDirectory("relay-test-postgres");
            run(List.of("chown", "postgres", dir.toString()));
            run(asPostgres(BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "relay",
                    "--auth=trust", "-E", "UTF8", "--no-sync"));
            TestPostgres server = new TestPostgres(dir, TestRelay.freePort());
            server.startServer();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start PostgreSQL for the tests", e);
        }
    }

    private void startServer() {
        run(asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60",
                "-l", dir.resolve("server.log").toString(), "-o",
                "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off -c max_connections=300",
                "start"));
    }

    /** Stops the server at once (clients see their connections drop) and starts it again on the same port. */
    public void restart(Duration down) throws InterruptedException {
        run(asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-m",
                "immediate", "stop"));
        TimeUnit.MILLISECONDS.sleep(down.toMillis());
        startServer();
    }

    /** A new, empty database; its JDBC URL. */
    public String newDatabase() {
        String name = "relay_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), "relay", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    private void stopQuietly() {
        try {
            run(asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                    "stop"));
            run(List.of("rm", "-rf", dir.toString()));
        } catch (RuntimeException e) {
            // the JVM is ending; nothing to report to
        }
    }

    private static List<String> asPostgres(String... command) {
        List<String> all = new ArrayList<>();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            all.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        all.addAll(List.of(command));
        return all;
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
