package org.outboxrelay.console;

import java.time.Duration;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.console.* and relay.admin.socket (declared in SettingsCatalog): whether the console is served under
 * /console/ (relay.console.enabled), how long a console session lasts (relay.console.session-timeout, 1m to 30d),
 * and whether the admin API is also offered on the owner-only socket data/admin.sock for the queue command
 * (relay.admin.socket).
 */
public record ConsoleSettings(boolean enabled, Duration sessionTimeout, boolean adminSocket) {

    public static final Duration LONGEST_SESSION = Duration.ofDays(30);

    public static ConsoleSettings read(Settings s) {
        boolean enabled = s.bool(SettingsCatalog.CONSOLE_ENABLED);
        Duration session = s.duration(SettingsCatalog.CONSOLE_SESSION_TIMEOUT);
        if (session.compareTo(LONGEST_SESSION) > 0) {
            s.problem(SettingsCatalog.CONSOLE_SESSION_TIMEOUT.key(), "must be at most 30d, not "
                    + s.get(SettingsCatalog.CONSOLE_SESSION_TIMEOUT).orElse(""));
            session = LONGEST_SESSION;
        }
        return new ConsoleSettings(enabled, session, s.bool(SettingsCatalog.ADMIN_SOCKET));
    }
}
