package org.outboxrelay.state;

import java.sql.SQLException;

import org.h2.message.DbException;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which of H2's answers mean that its store could not write its file, so the database must be opened again. */
class StateDatabaseWriteFailedTest {

    @Test
    void aFailedWriteAsH2ReportsItThroughJdbcIsRecognised() {
        SQLException held = DbException.convert(new MVStoreException(DataUtils.ERROR_WRITING_FAILED,
                "Writing to sun.nio.ch.FileChannelImpl@1 failed; length 8192 at 32768")).getSQLException();
        assertTrue(StateDatabase.writeFailed(held), held.toString());
        assertTrue(StateDatabase.writeFailed(new org.outboxrelay.state.StateStoreException("cannot record job", held)));
    }

    @Test
    void otherFailuresAreNot() {
        assertFalse(StateDatabase.writeFailed(DbException.convert(new MVStoreException(DataUtils.ERROR_READING_FAILED,
                "Reading from file failed")).getSQLException()));
        assertFalse(StateDatabase.writeFailed(new SQLException("unique key", "23505")));
        assertFalse(StateDatabase.writeFailed(new SQLException("timeout", "08001", new RuntimeException("x"))));
    }
}
