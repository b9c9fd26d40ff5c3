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
    /** A DNS name (RFC 1123 labels) or an IPv4 address; IPv6 literals are checked by InetAddress. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$");

    private final Function<String, Optional<String>> lookup;
    // a set: the same key read twice (SmtpSettings and the relay both read relay.provider) is one problem
    private final Set<Problem> problems = new LinkedHashSet<>();

    /** A bad setting: the key and what is wrong with it. */
    public record Problem(String key, String message) {
        @Override
        public String toString() {
            return key + " " + message;
        }
    }

    /**
     * @param lookup the value of a key from the user's sources (and provider presets); the declared defaults of
     *               {@link SettingsCatalog} apply when it has none
     */
    public Settings(Function<String, Optional<String>> lookup) {
        this.lookup = lookup;
    }

    /** These settings, except that the given keys have the given values (what the relay itself decides). */
    public Settings withOverrides(Map<String, String> overrides) {
        return new Settings(key -> overrides.containsKey(key) ? Optional.ofNullable(overrides.get(key))
                : lookup.apply(key));
    }

    /** The value set for a declared key, trimmed; empty values count as not set. Defaults are not applied. */
    public Optional<String> get(String key) {
        SettingsCatalog.require(key);
        return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    /**
     * The value of a key the relay does not declare: an integrator's own {@code relay.*} key that a route file
     * uses as a placeholder ({@code check} looks whether it has a value).
     */
    public Optional<String> undeclared(String key) {
        return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    public Optional<String> get(Setting s) {
        return get(s.key());
    }

    public boolean isSet(String key) {
        return get(key).isPresent();
    }

    public boolean isSet(Setting s) {
        return get(s).isPresent();
    }

    /** The value set, else the declared default (null when there is none). */
    public String string(Setting s) {
        return get(s).orElse(s.defaultValue());
    }

    /** The value set, else {@code derivedDefault}: for settings whose default depends on others. */
    public String string(Setting s, String derivedDefault) {
        return get(s).orElse(derivedDefault);
    }

    public String required(Setting s, String why) {
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            problem(s.key(), "is required " + why);
            return null;
        }
        return v.get();
    }

    /** A whole number within the declared bounds (also for {@link Setting.Kind#PORT}). */
    public int integer(Setting s) {
        return integer(s, s.defaultValue() == null ? 0 : Integer.parseInt(s.defaultValue()));
    }

    public int integer(Setting s, int derivedDefault) {
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return derivedDefault;
        }
        try {
            long i = Long.parseLong(v.get());
            if (i < s.min() || i > s.max()) {
                problem(s.key(), "must be between " + s.min() + " and " + s.max() + ", not " + v.get());
                return derivedDefault;
            }
            return (int) i;
        } catch (NumberFormatException e) {
            problem(s.key(), "must be a whole number" + (s.kind() == Setting.Kind.PORT ? " (a port)" : "")
                    + ", not \"" + v.get() + "\"");
            return derivedDefault;
        }
    }

    public long bytes(Setting s) {
        long fallback = parseBytes(s.defaultValue());
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return fallback;
        }
        long n = parseBytes(v.get());
        if (n <= 0) {
            problem(s.key(), "must be a size such as 26214400, 512KB or 25MB, not \"" + v.get() + "\"");
            return fallback;
        }
        return n;
    }

    /** 26214400, 512KB, 25MB or 1GB; -1 when it is none of these. */
    static long parseBytes(String text) {
        if (text == null) {
            return -1;
        }
        String s = text.trim().toUpperCase(java.util.Locale.ROOT);
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
            return n > 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public double decimal(Setting s) {
        double fallback = Double.parseDouble(s.defaultValue());
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v.get());
            if (d < s.min() || d > s.max()) {
                problem(s.key(), "must be between " + s.min() + " and " + s.max() + ", not " + v.get());
                return fallback;
            }
            return d;
        } catch (NumberFormatException e) {
            problem(s.key(), "must be a number, not \"" + v.get() + "\"");
            return fallback;
        }
    }

    public boolean bool(Setting s) {
        boolean fallback = Boolean.parseBoolean(s.defaultValue());
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return fallback;
        }
        return switch (v.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                problem(s.key(), "must be true or false, not \"" + v.get() + "\"");
                yield fallback;
            }
        };
    }

    /** Durations such as 500ms, 30s, 5m, 1h, 2d or 1h30m; at least the declared minimum. */
    public Duration duration(Setting s) {
        Duration fallback = s.defaultValue() == null ? null : parseDuration(s.defaultValue());
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return fallback;
        }
        Duration d = parseDuration(v.get());
        if (d == null) {
            problem(s.key(), "must be a duration such as 500ms, 30s, 5m, 1h or 2d, not \"" + v.get() + "\"");
            return fallback;
        }
        if (s.min() > 0 && d.toMillis() < s.min()) {
            problem(s.key(), "must be at least " + human(Duration.ofMillis(s.min())) + ", not " + v.get());
            return fallback;
        }
        return d;
    }

    /**
     * A duration where {@code 0} (also written without a unit) means off, {@link Duration#ZERO}; any other value
     * must be at least the declared minimum.
     */
    public Duration durationOrOff(Setting s) {
        Duration fallback = parseDuration(s.defaultValue());
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return fallback;
        }
        if (v.get().equals("0")) {
            return Duration.ZERO;
        }
        Duration d = parseDuration(v.get());
        if (d == null) {
            problem(s.key(), "must be a duration such as 500ms, 30s, 5m, 1h or 2d (0: off), not \"" + v.get() + "\"");
            return fallback;
        }
        if (!d.isZero() && d.toMillis() < s.min()) {
            problem(s.key(), "must be 0 (off) or at least " + human(Duration.ofMillis(s.min())));
        }
        if (s.max() > 0 && d.toMillis() > s.max()) {
            problem(s.key(), "must be 0 (off) or at most " + human(Duration.ofMillis(s.max())) + ", not " + v.get());
            return fallback;
        }
        return d;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    public static Duration parseDuration(String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (!DURATION.matcher(s).matches()) {
            return null;
        }
        return Duration.ofMillis(TimeUtils.toMilliSeconds(s));
    }

    /** One of the declared choices (an enum constant; dashes stand for underscores). */
    public <E extends Enum<E>> E choice(Setting s, Class<E> type) {
        E fallback = s.defaultValue() == null ? null : enumOf(type, s.defaultValue());
        return choice(s, type, fallback);
    }

    public <E extends Enum<E>> E choice(Setting s, Class<E> type, E derivedDefault) {
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return derivedDefault;
        }
        E e = enumOf(type, v.get());
        if (e == null) {
            problem(s.key(), "must be one of " + Setting.choicesOf(type) + ", not \"" + v.get() + "\"");
            return derivedDefault;
        }
        return e;
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.trim().replace('-', '_'))) {
                return e;
            }
        }
        return null;
    }

    /** Comma-separated values, trimmed, empty ones left out. */
    public List<String> list(Setting s) {
        return get(s).map(v -> Arrays.stream(v.split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).toList()).orElse(List.of());
    }

    /** A path, or null when neither set nor declared with a default. */
    public Path path(Setting s) {
        String v = string(s);
        return v == null ? null : Path.of(v);
    }

    /** A host name or IP address to listen on or connect to. */
    public String host(Setting s) {
        String v = string(s);
        if (v != null && !isHost(v)) {
            problem(s.key(), "must be a host name or an IP address (such as 127.0.0.1 or mail.example.com), not \""
                    + v + "\"");
            return s.defaultValue();
        }
        return v;
    }

    static boolean isHost(String v) {
        if (HOST_NAME.matcher(v).matches()) {
            return true;
        }
        if (v.contains(":") && v.matches("\\[?[0-9A-Fa-f:.]+]?")) {
            try {
                java.net.InetAddress.getByName(v.replace("[", "").replace("]", ""));
                return true;
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** {@code host:port}, as in 127.0.0.1:61616; null when not set. */
    public HostPort hostPort(Setting s) {
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return null;
        }
        HostPort hp = HostPort.parse(v.get());
        if (hp == null) {
            problem(s.key(), "must be host:port, such as 127.0.0.1:61616, not \"" + v.get() + "\""
                    + (v.get().contains("://") ? " (leave out the tcp:// part)" : ""));
        }
        return hp;
    }

    /** A host and a port from 1 to 65535. */
    public record HostPort(String host, int port) {
        static HostPort parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.contains("/")) {
                return null;
            }
            String host = text.substring(0, colon);
            try {
                int port = Integer.parseInt(text.substring(colon + 1));
                return port >= 1 && port <= 65535 && isHost(host) ? new HostPort(host, port) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** An http(s) URL, else a problem. */
    public String httpUrl(Setting s, String derivedDefault) {
        Optional<String> v = get(s);
        if (v.isEmpty()) {
            return derivedDefault;
        }
        try {
            java.net.URI uri = new java.net.URI(v.get());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return v.get();
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        problem(s.key(), "must be an http(s) URL such as https://login.example.com/path, not \"" + v.get() + "\"");
        return derivedDefault;
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
