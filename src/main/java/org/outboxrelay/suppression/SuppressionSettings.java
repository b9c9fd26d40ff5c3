package org.outboxrelay.suppression;

import java.time.Duration;

import org.outboxrelay.config.Settings;

/**
 * relay.suppression.*: when temporary failures put an address on the suppression list -
 * {@code softBounceLimit} delays or soft bounces of it within {@code softBounceWindow} (0: never).
 */
public record SuppressionSettings(int softBounceLimit, Duration softBounceWindow) {

    public static SuppressionSettings from(Settings s) {
        return new SuppressionSettings(s.integer("relay.suppression.soft-bounce-limit", 3, 0, 1000),
                s.duration("relay.suppression.soft-bounce-window", Duration.ofDays(7)));
    }
}
