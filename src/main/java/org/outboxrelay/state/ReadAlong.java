package org.outboxrelay.state;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * A read that runs on the connection and in the transaction of a job store write
 * ({@link JobStateStore#insertQueued(NewJob, java.time.Instant, ReadAlong)}): one visit to the store instead of two.
 * On the embedded store each separate visit costs about as much as the query itself (README, "Where the CPU goes"),
 * and the job store's group commits run on a connection whose page cache stays warm. Its result is there once the
 * write ran it; a write that did not (the job was not inserted) leaves it empty, and the caller reads alone.
 *
 * @param <T> what the read gives
 */
public final class ReadAlong<T> {

    /** The read itself, on the write's connection: it must not commit nor roll back. */
    @FunctionalInterface
    public interface Query<T> {
        T read(Connection c) throws SQLException;
    }

    private final Query<T> query;
    private volatile T result;
    private volatile boolean read;

    public ReadAlong(Query<T> query) {
        this.query = query;
    }

    /** Runs the read (again, when the write runs again alone after its group failed). */
    void runIn(Connection c) throws SQLException {
        result = query.read(c);
        read = true;
    }

    /** What the read gave, once a write ran it. */
    public Optional<T> result() {
        return read ? Optional.ofNullable(result) : Optional.empty();
    }
}
