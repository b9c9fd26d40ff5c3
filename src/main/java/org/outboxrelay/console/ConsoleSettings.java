package org.outboxrelay.console;

import java.time.Duration;

import org.outboxrelay.config.Settings;

/**
 * relay.console.* and relay.admin.socket: whether the console is served under /console/ (relay.console.enabled),
 * how long a console session lasts (relay.console.session-timeout, 1m to 30d), and whether the admin API is also
 * offered on the owner-only socket data/admin.sock for the queue command (relay.admin.socket).
 */
public record ConsoleSettings(boolean enabled, Duration sessionTimeout, boolean adminSocket) {

    public static final Duration DEFAULT_SESSION = Duration.ofHours(8);

    public static ConsoleSettings read(Settings s) {
        boolean enabled = s.bool("relay.console.enabled", true);
        Duration session = s.duration("relay.console.session-timeout", DEFAULT_SESSION);
        if (session.compareTo(Duration.ofMinutes(1)) < 0 || session.compareTo(Duration.ofDays(30)) > 0) {
            s.problem("relay.console.session-timeout", "must be between 1m and 30d");
            session = DEFAULT_SESSION;
        }
        return new ConsoleSettings(enabled, session, s.bool("relay.admin.socket", true));
    }
}
