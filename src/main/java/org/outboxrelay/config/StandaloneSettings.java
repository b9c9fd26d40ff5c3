package org.outboxrelay.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * The relay's settings for a command that does not start Camel (such as {@code render}): the same sources
 * in the same order as the running relay - {@code -Drelay.a.b-c}, then {@code RELAY_A_B_C} in the environment,
 * then {@code config/application.properties}, then the built-in defaults.
 */
public final class StandaloneSettings {

    private StandaloneSettings() {
    }

    public static Settings load(Path configFile) {
        Properties defaults = new Properties();
        try (InputStream in = StandaloneSettings.class.getResourceAsStream("/relay-defaults.properties")) {
            defaults.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties file = new Properties(defaults);
        if (Files.isRegularFile(configFile)) {
            try (Reader in = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                file.load(in);
            } catch (IOException e) {
                throw new InvalidSettingsException("cannot read " + configFile + ": " + e.getMessage());
            }
        }
        return new Settings(key -> Optional.ofNullable(System.getProperty(key))
                .or(() -> Optional.ofNullable(System.getenv(key.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_"))))
                .or(() -> Optional.ofNullable(file.getProperty(key))));
    }
}
