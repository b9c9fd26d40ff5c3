package org.outboxrelay.broker;

import java.nio.file.Path;

import org.outboxrelay.config.Settings;

/**
 * relay.broker.*: the embedded broker (journal under {@code data/broker}, in-VM only unless
 * {@code listen}, {@code user} and {@code password} are all set) or an external Artemis broker ({@code url}).
 * {@link #toString()} never shows the password.
 */
public record BrokerSettings(String url, String listen, String user, String password, Path dataDir,
        int maxDeliveryAttempts) {

    public static BrokerSettings from(Settings s, Path dataDir) {
        return new BrokerSettings(s.get("relay.broker.url").orElse(null), s.get("relay.broker.listen").orElse(null),
                s.get("relay.broker.user").orElse(null), s.get("relay.broker.password").orElse(null),
                dataDir.resolve("broker"), s.integer("relay.broker.max-delivery-attempts", 10, 1, 1000));
    }

    public boolean external() {
        return url != null;
    }

    public boolean hasLogin() {
        return user != null && password != null;
    }

    @Override
    public String toString() {
        return external() ? "external broker " + url : "embedded broker in " + dataDir
                + (listen != null ? " listening on " + listen : "");
    }
}
