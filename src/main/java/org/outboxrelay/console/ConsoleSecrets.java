package org.outboxrelay.console;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;

import javax.sql.DataSource;

import org.outboxrelay.state.StateStoreException;

/**
 * What the console keeps in the job store (tables of V4__console.sql): the install's secret that signs session
 * cookies, made by the first relay that needs it and read by the others, so that a session works on every relay of
 * a cluster; and the sessions that were signed out, until they would have expired anyway.
 * <p>
 * The secret lives where the jobs live: whoever can read the store can read every mail's history anyway, and it
 * keeps a cluster free of a file to copy between hosts. It is never logged.
 */
public class ConsoleSecrets {

    private static final String SESSION_KEY = "console-session";

    private final DataSource dataSource;
    private final Clock clock;
    private volatile byte[] secret;

    public ConsoleSecrets(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** The install's 256-bit signing secret: read from the store, or made and stored by the first relay. */
    public byte[] secret() {
        byte[] s = secret;
        if (s == null) {
            synchronized (this) {
                if (secret == null) {
                    secret = loadOrCreate();
                }
                s = secret;
            }
        }
        return s;
    }

    private byte[] loadOrCreate() {
        try (Connection c = dataSource.getConnection()) {
            byte[] stored = read(c);
            if (stored != null) {
                return stored;
            }
            byte[] made = new byte[32];
            new SecureRandom().nextBytes(made);
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO console_secret (name, secret, created_at) VALUES (?, ?, ?)")) {
                p.setString(1, SESSION_KEY);
                p.setString(2, Base64.getEncoder().encodeToString(made));
                p.setTimestamp(3, Timestamp.from(clock.instant()));
                p.executeUpdate();
                return made;
            } catch (SQLException e) {
                // another relay stored its secret first: everybody uses that one
                stored = read(c);
                if (stored != null) {
                    return stored;
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot read or store the console's secret (table console_secret)", e);
        }
    }

    private static byte[] read(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT secret FROM console_secret WHERE name = ?")) {
            p.setString(1, SESSION_KEY);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Base64.getDecoder().decode(r.getString(1)) : null;
            }
        }
    }

    /** Records a signed-out session (and forgets the ones that have expired since). */
    public void signOut(String sessionId, Instant expiresAt) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM console_signed_out WHERE expires_at < ?")) {
                p.setTimestamp(1, Timestamp.from(clock.instant()));
                p.executeUpdate();
            }
            if (isSignedOut(c, sessionId)) {
                return;
            }
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO console_signed_out (session_id, expires_at) VALUES (?, ?)")) {
                p.setString(1, sessionId);
                p.setTimestamp(2, Timestamp.from(expiresAt));
                p.executeUpdate();
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot record the sign-out", e);
        }
    }

    public boolean isSignedOut(String sessionId) {
        try (Connection c = dataSource.getConnection()) {
            return isSignedOut(c, sessionId);
        } catch (SQLException e) {
            throw new StateStoreException("cannot read the signed-out sessions", e);
        }
    }

    private static boolean isSignedOut(Connection c, String sessionId) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM console_signed_out WHERE session_id = ?")) {
            p.setString(1, sessionId);
            try (ResultSet r = p.executeQuery()) {
                return r.next();
            }
        }
    }
}
