package org.outboxrelay.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A setting read before the relay's settings exist (the log format, the node id, the JVM tuning): from its
 * sources in the relay's order (-D, the environment, the config file), logging nothing. A bad value is reported
 * by the settings check at start.
 */
public final class EarlySetting {

    private EarlySetting() {
    }

    /** The setting's value, or null when no source sets it. */
    public static String value(String systemProperty, String environment, Path configFile, String key) {
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
