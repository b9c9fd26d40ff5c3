package org.outboxrelay.state;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded store's connections keep the statements they prepared: what a kept statement gives its next user
 * must be exactly what a new one would.
 */
class ReusingSqliteConnectionTest {

    private static final String INSERT = "INSERT INTO t (k, v) VALUES (?, ?)";
    private static final String BY_KEY = "SELECT v FROM t WHERE k >= ? ORDER BY k";

    @TempDir
    Path dir;

    private EmbeddedStoreDataSource store;

    @BeforeEach
    void table() throws SQLException {
        store = new EmbeddedStoreDataSource(dir.resolve("store.db"));
        try (Connection c = store.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
        }
    }

    @Test
    void aClosedStatementIsTakenBackClearedForTheSameText() throws SQLException {
        try (Connection c = store.getConnection()) {
            PreparedStatement first = c.prepareStatement(INSERT);
            first.setInt(1, 1);
            first.setString(2, "one");
            assertEquals(1, first.executeUpdate());
            first.close();
            PreparedStatement again = c.prepareStatement(INSERT);
            assertSame(first, again, "the statement compiled for the text is used again");
            // its parameters were cleared: a value left from the first use would be bound here
            again.setInt(1, 2);
            assertThrows(SQLException.class, again::executeUpdate, "v is NOT NULL and was not set this time");
            again.close();
            try (PreparedStatement other = c.prepareStatement("SELECT count(*) FROM t");
                    ResultSet r = other.executeQuery()) {
                assertTrue(r.next());
                assertEquals(1, r.getInt(1));
            }
            assertEquals(2, ((ReusingSqliteConnection) c).keptStatements());
        }
    }

    @Test
    void twoStatementsOfOneTextOpenAtOnceAreTwo() throws SQLException {
        try (Connection c = store.getConnection()) {
            insert(c, 1, "a");
            insert(c, 2, "b");
            PreparedStatement outer = c.prepareStatement(BY_KEY);
            List<PreparedStatement> inners = new ArrayList<>();
            try (outer) {
                outer.setInt(1, 1);
                try (ResultSet rows = outer.executeQuery()) {
                    List<String> seen = new ArrayList<>();
                    while (rows.next()) {
                        // the same text while the first one is still reading its rows
                        try (PreparedStatement inner = c.prepareStatement(BY_KEY)) {
                            inners.add(inner);
                            assertNotSame(outer, inner);
                            inner.setInt(1, 2);
                            try (ResultSet r = inner.executeQuery()) {
                                assertTrue(r.next());
                                assertEquals("b", r.getString(1));
                            }
                        }
                        seen.add(rows.getString(1));
                    }
                    assertEquals(List.of("a", "b"), seen);
                }
            }
            // the inner one, closed first, is kept for the text and used again; the outer one is closed for good
            assertSame(inners.get(0), inners.get(1));
            assertTrue(outer.isClosed());
            assertFalse(inners.get(0).isClosed());
            assertEquals(2, ((ReusingSqliteConnection) c).keptStatements(), "the insert's and the query's");
        }
    }

    /**
     * A statement left in the middle of its rows holds a read snapshot: kept like that, its connection would stop
     * the log from being folded into the file for as long as the connection lives.
     */
    @Test
    void aStatementClosedHalfReadHoldsNoSnapshot() throws SQLException {
        try (Connection reader = store.getConnection(); Connection writer = store.getConnection()) {
            insert(writer, 1, "a");
            insert(writer, 2, "b");
            try (PreparedStatement p = reader.prepareStatement(BY_KEY)) {
                p.setInt(1, 0);
                ResultSet rows = p.executeQuery();
                assertTrue(rows.next()); // one row of two; the caller closes the statement, not the result set
            }
            insert(writer, 3, "c");
            try (Statement s = writer.createStatement();
                    ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                assertTrue(r.next());
                assertEquals(0, r.getInt(1), "the checkpoint was not blocked by a reader");
            }
            try (PreparedStatement p = reader.prepareStatement(BY_KEY)) {
                p.setInt(1, 3);
                try (ResultSet r = p.executeQuery()) {
                    assertTrue(r.next());
                    assertEquals("c", r.getString(1));
                }
            }
        }
    }

    @Test
    void aStatementThatFailedWorksForItsNextUser() throws SQLException {
        try (Connection c = store.getConnection()) {
            insert(c, 1, "a");
            assertThrows(SQLException.class, () -> insert(c, 1, "again"), "the key is taken");
            insert(c, 2, "b");
            try (PreparedStatement p = c.prepareStatement(BY_KEY)) {
                p.setInt(1, 0);
                try (ResultSet r = p.executeQuery()) {
                    assertTrue(r.next());
                    assertEquals("a", r.getString(1));
                    assertTrue(r.next());
                    assertEquals("b", r.getString(1));
                    assertFalse(r.next());
                }
            }
        }
    }

    @Test
    void theTextsUsedLastAreKeptAndTheConnectionClosesThem() throws SQLException {
        PreparedStatement first;
        PreparedStatement last;
        try (Connection c = store.getConnection()) {
            first = c.prepareStatement("SELECT 0");
            first.close();
            last = first;
            for (int i = 1; i <= ReusingSqliteConnection.KEPT; i++) {
                last = c.prepareStatement("SELECT " + i);
                last.close();
            }
            assertEquals(ReusingSqliteConnection.KEPT, ((ReusingSqliteConnection) c).keptStatements());
            assertTrue(first.isClosed(), "the text used longest ago was let go");
            assertFalse(last.isClosed());
        }
        assertTrue(last.isClosed(), "closing the connection closes what it kept");
    }

    private static void insert(Connection c, int key, String value) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(INSERT)) {
            p.setInt(1, key);
            p.setString(2, value);
            p.executeUpdate();
        }
    }
}
