package org.outboxrelay.suppression;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.NewJob;
import org.outboxrelay.state.ReadAlong;
import org.outboxrelay.state.RecipientOutcomeStore;
import org.outboxrelay.state.StateDatabase;
import org.outboxrelay.state.StateStoreException;
import org.outboxrelay.state.Suppression;
import org.outboxrelay.state.SuppressionReason;
import org.outboxrelay.state.SuppressionStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suppression look-up made in the job's admission transaction: the admission runs it when it records the job,
 * and the filter uses what it found instead of reading the list again - but only for the addresses it was made for.
 */
class SuppressionFilterTest {

    static final String ACCOUNT = "relay@example.com";

    @TempDir
    Path dir;

    private static QueuedJob job(String id, String... to) {
        QueuedJob job = new QueuedJob(id, Channel.JMS, false, new byte[0], 0, Instant.EPOCH, null, "jms:" + id);
        job.setMailJob(new MailJob(id, null, null, List.of(to), null, null, "s", "t", null, null, null, null, null,
                null));
        return job;
    }

    private static NewJob admitted(QueuedJob job) {
        return new NewJob(job.getId(), "jms", job.getAdmission(), ACCOUNT, null, "s", List.of(), "test-node");
    }

    @Test
    void theFilterUsesTheLookUpMadeWithTheAdmissionAndReadsTheListOnlyForOtherAddresses() throws Exception {
        try (StateDatabase db = StateDatabase.embedded(dir)) {
            new SuppressionStore(db.dataSource()).add(new Suppression(ACCOUNT, null, "Gone@Example.org",
                    SuppressionReason.MANUAL, "by the test", null, Instant.EPOCH));
            JdbcJobStateStore store = new JdbcJobStateStore(db.dataSource(), db.groupWriter(), () -> { },
                    java.time.Duration.ZERO, 1);
            RecipientOutcomeStore outcomes = new RecipientOutcomeStore(db.dataSource());
            // a list that fails when read: the filter must not read it when the admission's look-up answers
            SuppressionFilter unreadable = new SuppressionFilter(new SuppressionStore(new FailingDataSource()),
                    outcomes, ACCOUNT, null, java.time.Clock.systemUTC());

            QueuedJob mixed = job("j-1", "ann@example.org", "gone@example.org");
            ReadAlong<SuppressionStore.LookUp> along = unreadable.lookUpAlong(mixed);
            assertTrue(store.insertQueued(admitted(mixed), Instant.now(), along));
            assertTrue(along.result().isPresent(), "read in the admission's transaction");
            unreadable.filter(mixed, along);
            assertEquals(List.of("ann@example.org"), mixed.getMailJob().to());
            assertEquals("gone@example.org", mixed.getSuppressed().get(0).address());

            // made for other addresses (the job changed since): the list is read again
            QueuedJob other = job("j-2", "bob@example.org");
            ReadAlong<SuppressionStore.LookUp> forOther = unreadable.lookUpAlong(other);
            assertTrue(store.insertQueued(admitted(other), Instant.now(), forOther));
            QueuedJob changed = job("j-2", "gone@example.org");
            assertThrows(StateStoreException.class, () -> unreadable.filter(changed, forOther));

            // not recorded (the id is known): nothing read along, and the filter reads the list itself
            QueuedJob again = job("j-1", "gone@example.org", "cid@example.org");
            ReadAlong<SuppressionStore.LookUp> notRun = unreadable.lookUpAlong(again);
            assertFalse(store.insertQueued(admitted(again), Instant.now(), notRun));
            assertFalse(notRun.result().isPresent());
            SuppressionFilter readable = new SuppressionFilter(new SuppressionStore(db.dataSource()), outcomes,
                    ACCOUNT, null, java.time.Clock.systemUTC());
            readable.filter(again, notRun);
            assertEquals(List.of("cid@example.org"), again.getMailJob().to());
        }
    }

    /** A database that cannot be reached. */
    private static final class FailingDataSource implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            throw new SQLException("the list was read");
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
