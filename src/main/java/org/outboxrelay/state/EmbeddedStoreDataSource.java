package org.outboxrelay.state;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Locale;

import org.sqlite.Function;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

/**
 * Connections to the embedded store's SQLite file, each with {@code lower()} as Java's: SQLite's own folds ASCII
 * letters only, so the console's subject search ({@code LOWER(subject) LIKE ?}, its pattern lowered in Java, as
 * on PostgreSQL) would not find "Ärger" for "ärger".
 */
final class EmbeddedStoreDataSource extends SQLiteDataSource {

    EmbeddedStoreDataSource(SQLiteConfig options, Path file) {
        super(options);
        setUrl("jdbc:sqlite:" + file.toAbsolutePath());
    }

    @Override
    public SQLiteConnection getConnection(String username, String password) throws SQLException {
        SQLiteConnection c = super.getConnection(username, password);
        try {
            Function.create(c, "lower", new UnicodeLower(), 1, Function.FLAG_DETERMINISTIC);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** lower(text): NULL stays NULL, as SQLite's own. */
    private static final class UnicodeLower extends Function {
        @Override
        protected void xFunc() throws SQLException {
            String text = value_text(0);
            if (text == null) {
                result();
            } else {
                result(text.toLowerCase(Locale.ROOT));
            }
        }
    }
}
