package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The indexes that every admission and every status change of a job writes, on both databases as the relay
 * migrates them: each one is there for a query, and no two serve the same (db/migration V6).
 */
class SchemaIndexesTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void embeddedSqlite() throws Exception {
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            // without the primary key's own index (sqlite_autoindex_mail_job_1)
            check(db.dataSource(), "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mail_job'"
                    + " AND name NOT LIKE 'sqlite!_%' ESCAPE '!'");
        }
    }

    @Test
    void postgres15() throws Exception {
        String url = org.outboxrelay.testing.TestPostgres.get().newDatabase();
        // the smallest pool relay.state.pool-size allows: the migration must not need more (it hung for the
        // pool's 5 s and failed while the migration lock took a pooled connection besides Flyway's two)
        try (StateDatabase db = StateDatabase.open(new StateSettings(url, "relay", null, 2, dir), "test")) {
            check(db.dataSource(), "SELECT indexname FROM pg_indexes WHERE tablename = 'mail_job'"
                    + " AND indexname <> 'mail_job_pkey'");
        }
    }

    private static void check(DataSource ds, String indexNames) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(indexNames)) {
            while (r.next()) {
                names.add(r.getString(1).toLowerCase(Locale.ROOT));
            }
        }
        names.sort(null);
        assertEquals(List.of("mail_job_created", "mail_job_message_id", "mail_job_waiting"), names);
        assertTrue(names.stream().noneMatch(n -> n.equals("mail_job_status_created")), names.toString());
    }
}
