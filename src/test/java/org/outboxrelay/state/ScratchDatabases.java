package org.outboxrelay.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The databases the deliverability tables must work on: H2 as the relay runs it today, H2 in PostgreSQL mode
 * (as the relay will run it under Flyway) and, where its binaries are installed, a real PostgreSQL 15 started
 * for the test in a temporary folder on a free loopback port.
 */
final class ScratchDatabases {

    static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");

    private ScratchDatabases() {
    }

    static DataSource h2(String name) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        return ds;
    }

    static DataSource h2PostgresMode(String name) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                + "DEFAULT_NULL_ORDERING=HIGH");
        return ds;
    }

    /** The job table as far as the deliverability queries use it (V1 has more). */
    static void createJobTable(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS mail_job (id VARCHAR(128) PRIMARY KEY, status VARCHAR(16) NOT NULL,"
                    + " message_id VARCHAR(998), accepted INT, updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
    }

    /** A PostgreSQL 15 server of its own; {@link #close()} stops it. */
    static final class Postgres implements AutoCloseable {
        final Path dir;
        final int port;

        private Postgres(Path dir, int port) {
            this.dir = dir;
            this.port = port;
        }

        static boolean available() {
            return Files.isExecutable(PG_BIN.resolve("initdb")) && Files.isExecutable(Path.of("/usr/sbin/runuser"))
                    || Files.isExecutable(PG_BIN.resolve("initdb")) && Files.isExecutable(Path.of("/sbin/runuser"));
        }

        static Postgres start() throws Exception {
            Path dir = Files.createTempDirectory("pg-deliverability");
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            int port;
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Postgres pg = new Postgres(dir, port);
            // initdb refuses root: run as the postgres user, in a folder of its own
            pg.run(PG_BIN.resolve("initdb") + " -D " + dir.resolve("data") + " -U relay --auth=trust -E UTF8");
            pg.run(PG_BIN.resolve("pg_ctl") + " -D " + dir.resolve("data") + " -l " + dir.resolve("log")
                    + " -w -t 60 -o \"-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off\" start");
            return pg;
        }

        DataSource dataSource() {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setServerNames(new String[] {"127.0.0.1"});
            ds.setPortNumbers(new int[] {port});
            ds.setDatabaseName("postgres");
            ds.setUser("relay");
            return ds;
        }

        private void run(String command) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", "sh", "-c",
                    "cd " + dir + " && " + command));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("failed: " + command + "\n" + out);
            }
        }

        @Override
        public void close() throws Exception {
            run(PG_BIN.resolve("pg_ctl") + " -D " + dir.resolve("data") + " -m immediate -w stop");
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
