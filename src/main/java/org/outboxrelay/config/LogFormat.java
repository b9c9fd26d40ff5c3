package org.outboxrelay.config;

import java.nio.file.Path;
import java.util.Locale;

/**
 * relay.log.format: {@code text} (human-readable lines, the default) or {@code json} (one JSON object per line,
 * Elastic Common Schema, for log shippers). log4j2.xml picks its console appender by the system property of
 * that name, which must therefore be set before the first logger exists - so this class reads the setting's
 * sources (-D, environment, config file) itself and logs nothing. A bad value is reported by the settings
 * check at start; until then the logs stay text.
 */
public enum LogFormat {
    TEXT, JSON;

    public static final String KEY = "relay.log.format";
    /**
     * The system property log4j2.xml picks its appender by. Not relay.log.format itself: that one stays as the
     * user wrote it, so that a bad value is reported (and stops the relay) instead of being replaced.
     */
    public static final String FORMAT_PROPERTY = "outboxrelay.log.format";

    /** The system property log4j2.xml writes on every line: this relay's node id. */
    public static final String NODE_PROPERTY = "outboxrelay.node";

    /**
     * Sets the system properties log4j2.xml reads - the format, and the node id every line carries; call first
     * thing in main.
     */
    public static LogFormat applyBeforeLogging(Path configFile) {
        LogFormat format = resolve(System.getProperty(KEY), System.getenv("RELAY_LOG_FORMAT"), configFile);
        System.setProperty(FORMAT_PROPERTY, format.name().toLowerCase(Locale.ROOT));
        String node = EarlySetting.value(System.getProperty("relay.node.id"), System.getenv("RELAY_NODE_ID"),
                configFile, "relay.node.id");
        System.setProperty(NODE_PROPERTY, node != null && !node.isBlank() ? node.trim() : RelayNode.hostName());
        return format;
    }

    static LogFormat resolve(String systemProperty, String environment, Path configFile) {
        String value = EarlySetting.value(systemProperty, environment, configFile, KEY);
        return value != null && value.trim().equalsIgnoreCase("json") ? JSON : TEXT;
    }
}
