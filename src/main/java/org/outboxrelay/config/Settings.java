package org.outboxrelay.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.apache.camel.util.TimeUtils;

/**
 * Typed, checked access to the relay's settings ({@code relay.*}), whatever their source: the environment
 * ({@code RELAY_A_B_C}), {@code -D} system properties, {@code config/application.properties} or the built-in
 * defaults. A bad value is recorded with its key and the reason, so that all problems can be reported at
 * once by {@link #requireValid()} (the relay exits with code 2) or by the {@code check} command.
 */
public class Settings {

    private static final Pattern DURATION = Pattern.compile("^(?=\\d)(\\d+d)?(\\d+h)?(\\d+m(?!s))?(\\d+s)?(\\d+ms)?$");

    private final Function<String, Optional<String>> lookup;
    // a set: the same key read twice (SmtpSettings and the relay both read relay.provider) is one problem
    private final Set<Problem> problems = new LinkedHashSet<>();
    private final Set<String> keysRead = new LinkedHashSet<>();

    /** A bad setting: the key and what is wrong with it. */
    public record Problem(String key, String message) {
        @Override
        public String toString() {
            return key + " " + message;
        }
    }

    public Settings(Function<String, Optional<String>> lookup) {
        this.lookup = lookup;
    }

    /** These settings, except that the given keys have the given values (what the relay itself decides). */
    public Settings withOverrides(Map<String, String> overrides) {
        return new Settings(key -> overrides.containsKey(key) ? Optional.of(overrides.get(key)) : lookup.apply(key));
    }

    /** The value, trimmed; empty values count as not set. */
    public Optional<String> get(String key) {
        keysRead.add(key);
        return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** Every key asked for so far, set or not: after the relay read its settings, the keys it knows. */
    public Set<String> keysRead() {
        return Set.copyOf(keysRead);
    }

    public boolean isSet(String key) {
        return get(key).isPresent();
    }

    public String string(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    public String required(String key, String why) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            problem(key, "is required " + why);
            return null;
        }
        return v.get();
    }

    public int integer(String key, int defaultValue, int min, int max) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            int i = Integer.parseInt(v.get());
            if (i < min || i > max) {
                problem(key, "must be between " + min + " and " + max + ", not " + i);
                return defaultValue;
            }
            return i;
        } catch (NumberFormatException e) {
            problem(key, "must be a whole number, not \"" + v.get() + "\"");
            return defaultValue;
        }
    }

    public long bytes(String key, long defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        String s = v.get().toUpperCase();
        long factor = 1;
        if (s.endsWith("KB") || s.endsWith("MB") || s.endsWith("GB")) {
            factor = switch (s.charAt(s.length() - 2)) {
                case 'K' -> 1024L;
                case 'M' -> 1024L * 1024;
                default -> 1024L * 1024 * 1024;
            };
            s = s.substring(0, s.length() - 2).trim();
        }
        try {
            long n = Long.parseLong(s) * factor;
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            problem(key, "must be a size such as 26214400, 512KB or 25MB, not \"" + v.get() + "\"");
            return defaultValue;
        }
    }

    public double decimal(String key, double defaultValue, double min, double max) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            double d = Double.parseDouble(v.get());
            if (d < min || d > max) {
                problem(key, "must be between " + min + " and " + max + ", not " + v.get());
                return defaultValue;
            }
            return d;
        } catch (NumberFormatException e) {
            problem(key, "must be a number, not \"" + v.get() + "\"");
            return defaultValue;
        }
    }

    public boolean bool(String key, boolean defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return switch (v.get().toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                problem(key, "must be true or false, not \"" + v.get() + "\"");
                yield defaultValue;
            }
        };
    }

    /** Durations such as 500ms, 30s, 5m, 1h, 2d or 1h30m. */
    public Duration duration(String key, Duration defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        Duration d = parseDuration(v.get());
        if (d == null) {
            problem(key, "must be a duration such as 500ms, 30s, 5m, 1h or 2d, not \"" + v.get() + "\"");
            return defaultValue;
        }
        return d;
    }

    /**
     * A duration where {@code 0} (also written without a unit) means off, {@link Duration#ZERO}; any other value
     * must be at least {@code minimum}.
     */
    public Duration durationOrOff(String key, Duration defaultValue, Duration minimum) {
        if (get(key).filter(v -> v.strip().equals("0")).isPresent()) {
            return Duration.ZERO;
        }
        Duration d = duration(key, defaultValue);
        if (!d.isZero() && d.compareTo(minimum) < 0) {
            problem(key, "must be 0 (off) or at least " + (minimum.toMillis() % 1000 == 0
                    ? minimum.toSeconds() + "s" : minimum.toMillis() + "ms"));
        }
        return d;
    }

    public static Duration parseDuration(String text) {
        String s = text.trim();
        if (!DURATION.matcher(s).matches()) {
            return null;
        }
        return Duration.ofMillis(TimeUtils.toMilliSeconds(s));
    }

    public <E extends Enum<E>> E choice(String key, Class<E> type, E defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.get().replace('-', '_'))) {
                return e;
            }
        }
        problem(key, "must be one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase().replace('_', '-')).toList() + ", not \"" + v.get() + "\"");
        return defaultValue;
    }

    public List<String> list(String key) {
        return get(key).map(v -> Arrays.stream(v.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
    }

    public Path path(String key, String defaultValue) {
        return Path.of(string(key, defaultValue));
    }

    public void problem(String key, String message) {
        problems.add(new Problem(key, message));
    }

    public List<String> problems() {
        return problems.stream().map(Problem::toString).toList();
    }

    /** The problems found so far, with the key each is about. */
    public List<Problem> problemsByKey() {
        return List.copyOf(problems);
    }

    /** Throws with every problem found so far, one per line. */
    public void requireValid() {
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems());
        }
    }
}
