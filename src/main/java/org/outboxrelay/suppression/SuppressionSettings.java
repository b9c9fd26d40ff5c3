package org.outboxrelay.suppression;

import java.time.Duration;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.suppression.*: when temporary failures put an address on the suppression list -
 * {@code softBounceLimit} delays or soft bounces of it within {@code softBounceWindow} (0: never).
 */
public record SuppressionSettings(int softBounceLimit, Duration softBounceWindow) {

    public static SuppressionSettings from(Settings s) {
        return new SuppressionSettings(s.integer(SettingsCatalog.SUPPRESSION_SOFT_BOUNCE_LIMIT),
                s.duration(SettingsCatalog.SUPPRESSION_SOFT_BOUNCE_WINDOW));
    }
}
