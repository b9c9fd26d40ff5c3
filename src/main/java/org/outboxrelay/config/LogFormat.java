package org.outboxrelay.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

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
        String node = value(System.getProperty("relay.node.id"), System.getenv("RELAY_NODE_ID"), configFile,
                "relay.node.id");
        System.setProperty(NODE_PROPERTY, node != null && !node.isBlank() ? node.trim() : RelayNode.hostName());
        return format;
    }

    static LogFormat resolve(String systemProperty, String environment, Path configFile) {
        String value = value(systemProperty, environment, configFile, KEY);
        return value != null && value.trim().equalsIgnoreCase("json") ? JSON : TEXT;
    }

    /** A setting from its sources, in the relay's order, before anything else reads them. */
    private static String value(String systemProperty, String environment, Path configFile, String key) {
        String value = systemProperty != null ? systemProperty : environment;
        if (value == null && Files.isReadable(configFile)) {
            Properties file = new Properties();
            try (Reader in = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                file.load(in);
                value = file.getProperty(key);
            } catch (IOException | IllegalArgumentException e) {
                value = null; // the settings check reports an unreadable file
            }
        }
        return value;
    }
}
