package org.outboxrelay.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.h2.jdbcx.JdbcDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteDataSource;

/**
 * Moves an embedded job store of an earlier version (H2, {@code data/state/jobs.mv.db}) into SQLite
 * ({@code jobs.db}) at the first start of this version, so that an upgraded relay keeps what it knew: which jobs
 * were sent (idempotency: a job sent before is not sent again), their history and recipients, the account's pause
 * and daily count, the suppression list, the console's secret.
 * <p>
 * The H2 database is first brought to the schema this relay knows (its own migrations, {@code db/migration}), then
 * every table of the SQLite schema is copied row by row into a new file beside it, in one transaction. Only when
 * that file is complete and closed does it become {@code jobs.db} (a rename), and the H2 file is kept as
 * {@code jobs.mv.db.imported} (delete it once the relay runs well). A relay stopped halfway leaves no
 * {@code jobs.db}, and the next start imports again from the start.
 */
final class H2StoreImport {

    private static final Logger LOG = LoggerFactory.getLogger(H2StoreImport.class);
    static final String H2_FILE = "jobs.mv.db";
    static final String IMPORTED_SUFFIX = ".imported";

    private H2StoreImport() {
    }

    /** Imports the H2 store in {@code dir} into {@code sqliteFile} when there is one and no SQLite store yet. */
    static void ifPresent(Path dir, Path sqliteFile) throws IOException {
        Path h2 = dir.resolve(H2_FILE);
        if (!Files.exists(h2)) {
            return;
        }
        if (Files.exists(sqliteFile)) {
            // a relay stopped between the two renames, or an H2 store put back by hand: never imported over the
            // store in use
            LOG.warn("{} is not imported: the job store {} is there already and is used (it knows what was sent"
                    + " since); delete {} or move it out of {} once it is no longer needed", h2, sqliteFile, H2_FILE,
                    dir);
            return;
        }
        Path partial = sqliteFile.resolveSibling(sqliteFile.getFileName() + ".import");
        deletePartial(partial);
        LOG.info("Moving the embedded job store of an earlier version ({}, {} MB) into {}: about a minute per"
                + " million jobs", h2, Files.size(h2) / (1024 * 1024), sqliteFile);
        Map<String, Long> copied;
        try {
            copied = copy(h2, partial);
        } catch (SQLException | RuntimeException e) {
            deletePartial(partial);
            throw new StateStoreException("cannot move the embedded job store of an earlier version (" + h2
                    + ") into " + sqliteFile.getFileName() + ": " + StateDatabase.rootMessage(e)
                    + "; it is left in place (no job store was made) and the next start tries again", e);
        }
        Files.move(partial, sqliteFile, StandardCopyOption.ATOMIC_MOVE);
        Files.move(h2, h2.resolveSibling(H2_FILE + IMPORTED_SUFFIX), StandardCopyOption.REPLACE_EXISTING);
        LOG.info("The embedded job store of an earlier version (H2) was moved into {}: {} (the old file is kept as"
                + " {}{})", sqliteFile, copied, H2_FILE, IMPORTED_SUFFIX);
    }

    private static Map<String, Long> copy(Path h2File, Path target) throws SQLException {
        JdbcDataSource h2 = new JdbcDataSource();
        String name = h2File.getFileName().toString();
        h2.setURL("jdbc:h2:file:" + h2File.resolveSibling(name.substring(0, name.length() - ".mv.db".length()))
                .toAbsolutePath() + ";MODE=PostgreSQL;IFEXISTS=TRUE");
        h2.setUser("relay");
        h2.setPassword("");
        // the schema as this relay knows it, whichever version made the file
        StateDatabase.migrate(h2, StateDatabase.Dialect.POSTGRESQL);

        SQLiteDataSource sqlite = new SQLiteDataSource(EmbeddedStoreDataSource.options());
        sqlite.setUrl("jdbc:sqlite:" + target.toAbsolutePath());
        StateDatabase.migrate(sqlite, StateDatabase.Dialect.SQLITE);

        Map<String, Long> copied = new LinkedHashMap<>();
        try (Connection from = h2.getConnection(); Connection to = sqlite.getConnection()) {
            to.setAutoCommit(false);
            for (String table : tables(to)) {
                copied.put(table, copyTable(from, to, table, columns(to, table)));
            }
            to.commit();
        }
        // the last connection closed: SQLite moved its log into the file, which can be moved as it is
        Path log = target.resolveSibling(target.getFileName() + "-wal");
        if (Files.exists(log)) {
            throw new StateStoreException("SQLite kept its log (" + log + ") after the import", null);
        }
        copied.values().removeIf(n -> n == 0);
        return copied;
    }

    /** The relay's tables in the SQLite schema (not Flyway's history, not SQLite's own). */
    static List<String> tables(Connection sqlite) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = sqlite.createStatement(); ResultSet r = s.executeQuery("SELECT name FROM sqlite_master"
                + " WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
                + " AND name <> 'flyway_schema_history' ORDER BY name")) {
            while (r.next()) {
                tables.add(r.getString(1));
            }
        }
        return tables;
    }

    private static List<String> columns(Connection sqlite, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement s = sqlite.createStatement(); ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (r.next()) {
                columns.add(r.getString("name"));
            }
        }
        return columns;
    }

    private static long copyTable(Connection from, Connection to, String table, List<String> columns)
            throws SQLException {
        String list = String.join(", ", columns);
        long rows = 0;
        try (Statement read = from.createStatement();
                ResultSet r = read.executeQuery("SELECT " + list + " FROM " + table);
                PreparedStatement write = to.prepareStatement("INSERT INTO " + table + " (" + list + ") VALUES ("
                        + Jdbc.marks(columns.size()) + ")")) {
            while (r.next()) {
                for (int i = 1; i <= columns.size(); i++) {
                    bind(write, i, r.getObject(i));
                }
                write.addBatch();
                if (++rows % 1000 == 0) {
                    write.executeBatch();
                }
            }
            write.executeBatch();
        }
        return rows;
    }

    /** As the relay's own statements write each type (Jdbc, JdbcJobStateStore, JdbcRecipientBudget). */
    private static void bind(PreparedStatement p, int i, Object value) throws SQLException {
        if (value instanceof OffsetDateTime t) {
            p.setTimestamp(i, Timestamp.from(t.toInstant()));
        } else if (value instanceof Timestamp t) {
            p.setTimestamp(i, t);
        } else if (value instanceof java.sql.Date d) {
            p.setObject(i, d.toLocalDate());
        } else if (value instanceof java.time.LocalDate d) {
            p.setObject(i, d);
        } else {
            p.setObject(i, value);
        }
    }

    private static void deletePartial(Path partial) throws IOException {
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Files.deleteIfExists(partial.resolveSibling(partial.getFileName() + suffix));
        }
    }
}
