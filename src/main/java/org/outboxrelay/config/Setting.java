package org.outboxrelay.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One setting as declared in {@link SettingsCatalog}: its key, what kind of value it takes, its default (and how
 * the default is shown when the relay derives it from other settings), its bounds, whether it is a secret, and
 * what it means. {@link Settings} reads and checks values by it, {@code check} and the start-up summary mask
 * secrets by it, and tests hold {@code config/application.properties} and the README's settings table to it.
 *
 * @param key          {@code relay.a.b-c}
 * @param kind         what the value must look like
 * @param defaultValue the built-in default, or null when there is none or the relay derives it
 * @param defaultText  how the default reads in the documentation when it is derived (else null)
 * @param min          smallest value of a number (or shortest duration), when the kind has bounds
 * @param max          largest value of a number, when the kind has bounds
 * @param choices      the allowed values of a {@link Kind#CHOICE}, as written in settings
 * @param secret       never shown: not in logs, summaries, error messages or {@code check}'s output
 * @param description  one line: what it does (the README table)
 */
public record Setting(String key, Kind kind, String defaultValue, String defaultText, long min, long max,
        List<String> choices, boolean secret, String description) {

    /** What a value must look like. */
    public enum Kind {
        TEXT, INTEGER, PORT, SIZE, DECIMAL, BOOLEAN, DURATION,
        /** a duration where 0 means off; any other value at least {@code min} milliseconds */
        DURATION_OR_OFF,
        CHOICE, LIST, PATH,
        /** a host name or an IP address */
        HOST,
        /** host:port, as in 127.0.0.1:61616 */
        HOST_PORT,
        /** an Artemis broker URL (tcp://host:port, a failover list) */
        BROKER_URL,
        /** a JDBC URL of a shared job store (jdbc:postgresql://...) */
        JDBC_URL,
        /** an http(s) URL */
        HTTP_URL
    }

    public Setting {
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    /** The default as the README and {@code config/application.properties} show it; "" when there is none. */
    public String shownDefault() {
        if (defaultText != null) {
            return defaultText;
        }
        return defaultValue == null ? "" : defaultValue;
    }

    /** RELAY_A_B_C for relay.a.b-c. */
    public String environmentName() {
        return environmentName(key);
    }

    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    // --- a setting with something else than the factory methods of SettingsCatalog give ------------------------

    /** The same setting, its default shown as this text (the relay derives it from other settings). */
    public Setting derived(String text) {
        return new Setting(key, kind, defaultValue, text, min, max, choices, secret, description);
    }

    /** The same setting, a secret. */
    public Setting asSecret() {
        return new Setting(key, kind, defaultValue, defaultText, min, max, choices, true, description);
    }

    static <E extends Enum<E>> List<String> choicesOf(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Setting::choiceName).toList();
    }

    /** How an enum constant is written in settings: TOTAL_REQUESTS → total-requests. */
    public static String choiceName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
