package org.outboxrelay.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.camel.util.IOHelper;
import org.outboxrelay.provider.Provider;

/**
 * The relay's settings for commands that do not start the relay (login, render, check, queue): the same
 * sources in the same order as the running relay (-D, environment RELAY_*, config/application.properties),
 * then the provider's presets, then the built-in defaults.
 */
public final class CommandLineSettings {

    private CommandLineSettings() {
    }

    public static Settings load(Path configFile) {
        Properties file = new Properties();
        if (Files.isReadable(configFile)) {
            try (Reader in = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                file.load(in);
            } catch (IOException e) {
                throw new InvalidSettingsException("cannot read " + configFile + ": " + e.getMessage());
            }
        }
        Map<String, String> defaults = SettingsCatalog.defaults();
        Settings explicit = new Settings(key -> explicit(key, file));
        Provider provider = explicit.choice(SettingsCatalog.PROVIDER, Provider.class);
        Map<String, String> presets = provider.presets();
        return new Settings(key -> explicit(key, file)
                .or(() -> Optional.ofNullable(presets.get(key)))
                .or(() -> Optional.ofNullable(defaults.get(key))));
    }

    private static Optional<String> explicit(String key, Properties file) {
        String v = System.getProperty(key);
        if (v == null) {
            v = IOHelper.lookupEnvironmentVariable(key);
        }
        if (v == null) {
            v = file.getProperty(key);
        }
        return Optional.ofNullable(v).map(String::trim).filter(s -> !s.isEmpty());
    }
}
