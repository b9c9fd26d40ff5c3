package org.outboxrelay.limits;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

import org.outboxrelay.state.StateSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMTP connection slots of the account across every relay, as PostgreSQL session-level advisory locks: slot
 * {@code i} of the account is the lock {@code (hash(account), i)}, held on a database connection of its own for
 * as long as the SMTP connection is open. When a relay dies, PostgreSQL ends its sessions and frees its slots;
 * no row has to be cleaned up. A slot whose session died (the database restarted) is reported invalid, and its
 * SMTP connection is closed before it is used again, so the cap still holds.
 */
public final class PostgresConnectionSlots implements ConnectionSlots {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresConnectionSlots.class);
    /** How often a held slot's session is checked, at most. */
    private static final long CHECK_EVERY_NANOS = 5_000_000_000L;

    private final StateSettings settings;
    private final int lockClass;
    private final int slots;
    private final String node;

    public PostgresConnectionSlots(StateSettings settings, String account, int slots, String node) {
        this.settings = settings;
        this.lockClass = lockClass(account);
        this.slots = slots;
        this.node = node;
    }

    /** The first key of the account's locks: a fixed name space, so other users of the database do not clash. */
    static int lockClass(String account) {
        CRC32 crc = new CRC32();
        crc.update(("outbox-relay smtp connections " + account).getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    @Override
    public Optional<Slot> tryAcquire() {
        Connection c;
        try {
            c = connect();
        } catch (SQLException e) {
            LOG.debug("No SMTP connection slot: cannot reach the job store: {}", e.getMessage());
            return Optional.empty();
        }
        try (PreparedStatement p = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            // start anywhere, so relays do not all try slot 0 first
            int start = ThreadLocalRandom.current().nextInt(slots);
            for (int i = 0; i < slots; i++) {
                int slot = (start + i) % slots;
                p.setInt(1, lockClass);
                p.setInt(2, slot);
                try (ResultSet r = p.executeQuery()) {
                    if (r.next() && r.getBoolean(1)) {
                        return Optional.of(new HeldSlot(c, slot));
                    }
                }
            }
        } catch (SQLException e) {
            LOG.debug("No SMTP connection slot: {}", e.getMessage());
        }
        closeQuietly(c);
        return Optional.empty();
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        if (settings.user() != null) {
            p.setProperty("user", settings.user());
        }
        if (settings.password() != null) {
            p.setProperty("password", settings.password());
        }
        p.setProperty("ApplicationName", "outbox-relay " + node + " smtp slot");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(settings.url(), p);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("Closing a slot connection: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        // each slot closes with its SMTP connection
    }

    /** A slot: the lock lives as long as this database session. */
    private static final class HeldSlot implements Slot {
        private final Connection connection;
        private final int slot;
        private volatile long checkedAt = System.nanoTime();
        private volatile boolean lost;

        HeldSlot(Connection connection, int slot) {
            this.connection = connection;
            this.slot = slot;
        }

        @Override
        public void release() {
            closeQuietly(connection); // ending the session frees the lock
        }

        @Override
        public boolean valid() {
            if (lost) {
                return false;
            }
            if (System.nanoTime() - checkedAt < CHECK_EVERY_NANOS) {
                return true;
            }
            try {
                lost = !connection.isValid(2);
            } catch (SQLException e) {
                lost = true;
            }
            checkedAt = System.nanoTime();
            if (lost) {
                LOG.warn("SMTP connection slot {} was lost with its database session; the connection closes", slot);
            }
            return !lost;
        }
    }
}
