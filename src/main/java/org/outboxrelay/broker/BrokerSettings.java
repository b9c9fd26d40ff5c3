package org.outboxrelay.broker;

import java.nio.file.Path;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.broker.*: the embedded broker (journal under {@code data/broker}, in-VM only unless {@code listen},
 * {@code user} and {@code password} are all set) or an external Artemis broker ({@code url}: one broker, or a
 * primary/backup pair as a failover URL). {@link #toString()} never shows a password.
 */
public record BrokerSettings(String url, Settings.HostPort listen, String user, String password, String adminUser,
        String adminPassword, Path dataDir, int maxDeliveryAttempts) {

    public static BrokerSettings from(Settings s, Path dataDir) {
        String url = s.get(SettingsCatalog.BROKER_URL).orElse(null);
        if (url != null && problemWithUrl(url) != null) {
            s.problem(SettingsCatalog.BROKER_URL.key(), problemWithUrl(url));
            url = null;
        }
        return new BrokerSettings(url, s.hostPort(SettingsCatalog.BROKER_LISTEN),
                s.get(SettingsCatalog.BROKER_USER).orElse(null), s.get(SettingsCatalog.BROKER_PASSWORD).orElse(null),
                s.get(SettingsCatalog.BROKER_ADMIN_USER).orElse(null),
                s.get(SettingsCatalog.BROKER_ADMIN_PASSWORD).orElse(null),
                dataDir.resolve("broker"), s.integer(SettingsCatalog.BROKER_MAX_DELIVERY_ATTEMPTS));
    }

    /**
     * Why an Artemis URL cannot work, or null: Artemis parses it as a client would, without connecting.
     */
    static String problemWithUrl(String url) {
        if (!url.matches("(?s)^(\\(.+\\)(\\?.*)?|[a-z]+://.+)$")) {
            return "must be an Artemis broker URL such as tcp://broker.example.com:61616 or"
                    + " (tcp://a:61616,tcp://b:61616)?ha=true&reconnectAttempts=-1&initialConnectAttempts=-1, not \""
                    + url + "\"";
        }
        try (ActiveMQConnectionFactory parsed = new ActiveMQConnectionFactory(url)) {
            return parsed.getServerLocator() == null ? "cannot be parsed as an Artemis broker URL" : null;
        } catch (RuntimeException e) {
            return "cannot be parsed as an Artemis broker URL: " + e.getMessage();
        }
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
