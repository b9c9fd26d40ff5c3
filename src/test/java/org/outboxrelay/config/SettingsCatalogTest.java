package org.outboxrelay.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The declared list of settings is the one source: every declaration is registered, the shipped
 * {@code config/application.properties} documents every setting with its default, and the README's settings
 * table is the one generated from the declarations. Run with {@code -Dreadme.update=true} to rewrite the table.
 */
class SettingsCatalogTest {

    static final Path CONFIG = Path.of("config", "application.properties");
    static final Path README = Path.of("README.md");
    static final String TABLE_START = "<!-- settings table: generated from SettingsCatalog, checked by SettingsCatalogTest -->";
    static final String TABLE_END = "<!-- end of settings table -->";
    private static final Pattern ASSIGNMENT = Pattern.compile("(?m)^#?\\s?(relay\\.[a-z0-9.-]+)=(.*)$");
    private static final Pattern MENTION = Pattern.compile("relay\\.[a-z0-9-]+(\\.[a-z0-9-]+)+");

    @Test
    void everyDeclarationIsRegistered() throws Exception {
        Set<String> fields = new TreeSet<>();
        for (Field f : SettingsCatalog.class.getDeclaredFields()) {
            if (f.getType() == Setting.class && Modifier.isStatic(f.getModifiers())) {
                fields.add(((Setting) f.get(null)).key());
            }
        }
        Set<String> registered = new TreeSet<>();
        SettingsCatalog.all().forEach(s -> registered.add(s.key()));
        assertEquals(fields, registered);
        for (Setting s : SettingsCatalog.all()) {
            assertFalse(s.description().isBlank(), s.key() + " has a description");
            assertTrue(s.key().matches("relay(\\.[a-z0-9-]+)+"), s.key());
        }
    }

    @Test
    void secretsAreDeclaredSecret() {
        for (Setting s : SettingsCatalog.all()) {
            if (s.key().matches(".*(password|secret|tokens?)$")) {
                assertTrue(s.secret(), s.key() + " must be declared secret");
            }
        }
    }

    @Test
    void theShippedConfigFileDocumentsEverySettingWithItsDefault() throws Exception {
        String file = Files.readString(CONFIG);
        Matcher m = ASSIGNMENT.matcher(file);
        Set<String> assigned = new LinkedHashSet<>();
        while (m.find()) {
            String key = m.group(1);
            assigned.add(key);
            Optional<Setting> s = SettingsCatalog.find(key);
            assertTrue(s.isPresent(), CONFIG + " shows " + key + ", which the relay does not declare");
            String shown = m.group(2).trim();
            if (s.get().defaultText() == null && s.get().defaultValue() != null && m.group(0).startsWith("#")) {
                assertEquals(s.get().defaultValue(), shown, CONFIG + ": the commented-out " + key
                        + " must show the default");
            }
        }
        Matcher mention = MENTION.matcher(file);
        while (mention.find()) {
            String key = mention.group();
            assertTrue(SettingsCatalog.find(key).isPresent() || key.endsWith("."),
                    CONFIG + " mentions " + key + ", which the relay does not declare");
        }
        List<String> missing = new ArrayList<>();
        for (Setting s : SettingsCatalog.all()) {
            if (!assigned.contains(s.key()) && !s.key().equals(SettingsCatalog.ROUTES_DIR.key())) {
                missing.add(s.key());
            }
        }
        assertEquals(List.of(), missing, CONFIG + " has no line for these settings");
    }

    @Test
    void theReadmeTableIsTheOneTheDeclarationsGive() throws Exception {
        String readme = Files.readString(README);
        String table = table();
        int start = readme.indexOf(TABLE_START);
        int end = readme.indexOf(TABLE_END);
        if (Boolean.getBoolean("readme.update") && start >= 0 && end > start) {
            readme = readme.substring(0, start + TABLE_START.length()) + "\n" + table + readme.substring(end);
            Files.writeString(README, readme);
            start = readme.indexOf(TABLE_START);
            end = readme.indexOf(TABLE_END);
        }
        assertTrue(start >= 0 && end > start, "README has the settings table markers");
        assertEquals(table, readme.substring(start + TABLE_START.length() + 1, end),
                "README settings table differs from SettingsCatalog; run mvn test -Dtest=SettingsCatalogTest"
                        + " -Dreadme.update=true");
    }

    /** The README's settings table: key, default, meaning, one row per setting in the declared order. */
    static String table() {
        StringBuilder t = new StringBuilder("| setting | default | meaning |\n| --- | --- | --- |\n");
        for (Setting s : SettingsCatalog.all()) {
            String def = s.shownDefault().isEmpty() ? "–" : s.defaultText() != null ? s.defaultText()
                    : "`" + s.defaultValue() + "`";
            t.append("| `").append(s.key()).append("` | ").append(def).append(" | ").append(s.description())
                    .append(s.secret() ? " (secret: never shown)" : "").append(" |\n");
        }
        return t.toString();
    }

    @Test
    void everyKindRejectsAValueThatCannotWork() {
        Map<Setting.Kind, String> bad = Map.ofEntries(Map.entry(Setting.Kind.INTEGER, "many"),
                Map.entry(Setting.Kind.PORT, "70000"), Map.entry(Setting.Kind.DURATION, "1 hour"),
                Map.entry(Setting.Kind.DURATION_OR_OFF, "soon"), Map.entry(Setting.Kind.BOOLEAN, "maybe"),
                Map.entry(Setting.Kind.CHOICE, "xml"), Map.entry(Setting.Kind.SIZE, "big"),
                Map.entry(Setting.Kind.DECIMAL, "two"), Map.entry(Setting.Kind.HOST, "not a host!"),
                Map.entry(Setting.Kind.HOST_PORT, "tcp://127.0.0.1:61616"),
                Map.entry(Setting.Kind.BROKER_URL, "not a url"), Map.entry(Setting.Kind.HTTP_URL, "ftp://login.example.com"),
                Map.entry(Setting.Kind.JDBC_URL, "jdbc:mysql://db/relay"));
        for (Setting s : SettingsCatalog.all()) {
            String value = bad.get(s.kind());
            if (value == null) {
                continue;
            }
            Settings settings = new Settings(k -> Optional.ofNullable(k.equals(s.key()) ? value
                    : k.equals("relay.provider") ? "smtp" : k.equals("relay.smtp.host") ? "mail.example.com" : null));
            RelaySettings.read(settings, java.time.Clock.systemUTC());
            assertTrue(settings.problems().stream().anyMatch(p -> p.startsWith(s.key() + " ")),
                    s.key() + "=" + value + " must be refused: " + settings.problems());
        }
    }

    @Test
    void aDurationOrOffOutsideItsBoundsIsRefused() {
        Map<String, Boolean> refused = Map.of("relay.memory.release-interval=10ms", true,
                "relay.memory.release-interval=0", false, "relay.state.commit-delay=101ms", true,
                "relay.state.commit-delay=100ms", false, "relay.state.commit-delay=0", false);
        refused.forEach((setting, expected) -> {
            String key = setting.split("=")[0];
            String value = setting.split("=")[1];
            Settings settings = new Settings(k -> Optional.ofNullable(k.equals(key) ? value
                    : k.equals("relay.provider") ? "smtp" : k.equals("relay.smtp.host") ? "mail.example.com" : null));
            RelaySettings.read(settings, java.time.Clock.systemUTC());
            assertEquals(expected, settings.problems().stream().anyMatch(p -> p.startsWith(key + " ")),
                    setting + ": " + settings.problems());
        });
    }
}
