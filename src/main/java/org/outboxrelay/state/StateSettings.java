package org.outboxrelay.state;

import java.nio.file.Path;
import java.time.Duration;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.state.*: where the job store lives. No URL: the embedded SQLite database {@code data/state/jobs.db} (one
 * relay).
 * A PostgreSQL URL: a store shared by every relay that points at it (job status, idempotency, recipients, the
 * account's limits and pause). {@link #toString()} never shows the password.
 */
public record StateSettings(String url, String user, String password, int poolSize, Path embeddedDir,
        Duration commitDelay) {

    /** Without a commit delay: each write commits with the writes already waiting, if any. */
    public StateSettings(String url, String user, String password, int poolSize, Path embeddedDir) {
        this(url, user, password, poolSize, embeddedDir, Duration.ZERO);
    }

    public static StateSettings from(Settings s, Path dataDir) {
        String url = s.get(SettingsCatalog.STATE_URL).orElse(null);
        if (url != null && !url.startsWith("jdbc:postgresql://")) {
            s.problem(SettingsCatalog.STATE_URL.key(), "must be a PostgreSQL JDBC URL such as"
                    + " jdbc:postgresql://db.example.com:5432/relay (empty: the embedded store in data/state/), not \""
                    + url + "\"");
            url = null;
        }
        return new StateSettings(url, s.get(SettingsCatalog.STATE_USER).orElse(null),
                s.get(SettingsCatalog.STATE_PASSWORD).orElse(null), s.integer(SettingsCatalog.STATE_POOL_SIZE),
                dataDir.resolve("state"), s.durationOrOff(SettingsCatalog.STATE_COMMIT_DELAY));
    }

    /** True for a store shared by several relays (PostgreSQL); false for the embedded SQLite file. */
    public boolean shared() {
        return url != null;
    }

    @Override
    public String toString() {
        return shared() ? "shared job store " + url + (user != null ? " as " + user : "")
                : "embedded job store in " + embeddedDir;
    }
}
