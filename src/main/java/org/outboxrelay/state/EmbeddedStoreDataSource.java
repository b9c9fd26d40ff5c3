package org.outboxrelay.state;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

import com.zaxxer.hikari.SQLExceptionOverride;

import org.sqlite.Function;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections to the embedded store's SQLite file, and what SQLite needs around them: the options each one is
 * opened with, the driver's native library, and which failures retire a connection. Each connection has
 * {@code lower()} as Java's: SQLite's own folds ASCII letters only, so the console's subject search
 * ({@code LOWER(subject) LIKE ?}, its pattern lowered in Java, as on PostgreSQL) would not find "Ärger" for
 * "ärger".
 */
final class EmbeddedStoreDataSource extends SQLiteDataSource {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStoreDataSource.class);

    private final String fileName;

    EmbeddedStoreDataSource(Path file) {
        super(options());
        fileName = file.toAbsolutePath().toString();
        setUrl("jdbc:sqlite:" + fileName);
    }

    /**
     * SQLite's driver unpacks its native library into a folder and loads it from there: the store's own folder
     * (owner-only, in {@code data/}) rather than the shared {@code /tmp}, which hardened machines mount
     * {@code noexec}. An operator's {@code -Dorg.sqlite.tmpdir} wins.
     */
    static synchronized void loadNativeLibrary(Path dir) {
        if (nativeLibraryLoaded) {
            return;
        }
        if (System.getProperty(SQLITE_LIBRARY_DIR) == null) {
            System.setProperty(SQLITE_LIBRARY_DIR, dir.toAbsolutePath().toString());
            // the driver deletes its copy when the JVM exits, but a killed relay (SIGKILL) leaves it (1 MB each)
            try (var copies = Files.newDirectoryStream(dir, "sqlite-*-libsqlitejdbc.so*")) {
                for (Path copy : copies) {
                    Files.deleteIfExists(copy);
                }
            } catch (java.io.IOException e) {
                LOG.debug("Left copies of SQLite's native library in {}: {}", dir, e.toString());
            }
        }
        // loaded now, from where the property says: once loaded, it stays for the JVM's life
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
            nativeLibraryLoaded = true;
        } catch (Exception | LinkageError e) {
            throw new StateStoreException("cannot load SQLite's native library for the embedded job store from "
                    + System.getProperty(SQLITE_LIBRARY_DIR) + " (" + StateDatabase.rootMessage(e) + "): that folder"
                    + " must allow execution (not mounted noexec); start the relay with -Dorg.sqlite.tmpdir=FOLDER"
                    + " naming one that does", e);
        }
    }

    private static boolean nativeLibraryLoaded;

    private static final String SQLITE_LIBRARY_DIR = "org.sqlite.tmpdir";

    /**
     * Whether a connection that met {@code e} may be used again. After a failed write to the file (a full disk, an
     * I/O error) SQLite may have rolled the transaction back by itself while its driver still counts one open:
     * every later commit on that connection would fail ("no transaction is active"), also once there is space.
     * Such a connection is closed and the pool opens a new one.
     */
    static SQLExceptionOverride.Override afterFailure(SQLException e) {
        return switch (e.getErrorCode() & 0xff) {
            case SQLITE_NOMEM, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB ->
                    SQLExceptionOverride.Override.MUST_EVICT;
            default -> SQLExceptionOverride.Override.CONTINUE_EVICT;
        };
    }

    /** SQLite's primary result codes after which a connection is not used again. */
    private static final int SQLITE_NOMEM = 7;
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_FULL = 13;
    private static final int SQLITE_CANTOPEN = 14;
    private static final int SQLITE_NOTADB = 26;

    /** How each connection to the embedded file is opened (see StateDatabase's class comment). */
    static SQLiteConfig options() {
        SQLiteConfig options = new SQLiteConfig();
        options.setJournalMode(SQLiteConfig.JournalMode.WAL);
        options.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        // a writer waits for another one this long (the pool's own limit) before it fails
        options.setBusyTimeout((int) Duration.ofSeconds(5).toMillis());
        // timestamps as milliseconds since 1970: compact, and compared as numbers
        options.setDateClass(SQLiteConfig.DateClass.INTEGER.getValue());
        // 1 MB of page cache per connection rather than 2: the store's hot pages are few, and there are 16
        options.setCacheSize(-1024);
        // the log is folded into the file every 1,000 pages; one that grew under a long transaction (retention)
        // is cut back to this size once folded, rather than kept at its largest
        options.setJournalSizeLimit(64 * 1024 * 1024);
        // the store never asks for generated keys; left on, the driver runs "SELECT last_insert_rowid()" as a
        // statement of its own after every INSERT (three or four per job) in case it is asked
        options.setGetGeneratedKeys(false);
        // a transaction's statement journal in memory: each group commit runs every job's write under a savepoint,
        // and SQLite keeps, for each, the pages it changes that an earlier write of the group changed already -
        // past 64 KB in a temporary file it creates, writes page by page and deletes again for every group (more
        // than half of the relay's pwrite calls, README "Performance"). Temporary tables and sorts stay in memory
        // too; the store's queries keep them small (indexed orders, pages of results, batches of 1,000).
        options.setTempStore(SQLiteConfig.TempStore.MEMORY);
        return options;
    }


    @Override
    public SQLiteConnection getConnection(String username, String password) throws SQLException {
        // as SQLite's own data source opens one (the file has no user nor password), keeping its statements
        SQLiteConnection c = new ReusingSqliteConnection(getUrl(), fileName, getConfig().toProperties());
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
