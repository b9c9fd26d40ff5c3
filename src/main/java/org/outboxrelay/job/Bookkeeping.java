package org.outboxrelay.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rules for the properties a job carries on {@code mail.jobs} ({@link JobHeaders}). The relay writes its own
 * bookkeeping there ({@code channel}, {@code relayAttempts}, {@code relaySubmittedAt}, {@code outboxFile},
 * {@code relayAdmission}) when it queues a job or puts it back for a retry; but a message on the queue may come
 * from any client of the broker. So each property is read like any other input: a value of the wrong type, out
 * of range, or unsafe (a path in {@code outboxFile}) makes the job permanently invalid, with a reason that names
 * the property. A client has no reason to set them; the relay's own values always pass.
 */
public final class Bookkeeping {

    /** More attempts than this are not the relay's (its retries give up after relay.retry.give-up-after). */
    public static final int MAX_ATTEMPTS = 100_000;
    /** A submission time further ahead than this (clocks of a cluster differ a little) is not the relay's. */
    public static final Duration MAX_CLOCK_AHEAD = Duration.ofDays(1);
    /** An outbox file name as the outbox route takes it: no folder, not hidden, .eml or .json. */
    private static final Pattern OUTBOX_FILE = Pattern.compile("[^/\\\\\\x00-\\x1f\\x7f.][^/\\\\\\x00-\\x1f\\x7f]{0,254}");
    /** The tokens the relay makes: jms:&lt;JMS id&gt;, http:&lt;UUID&gt;, outbox:&lt;fingerprint&gt;. */
    private static final Pattern ADMISSION = Pattern.compile("(jms|http|outbox):[A-Za-z0-9:._-]{1,160}");
    private static final String RELAY_SETS_IT = " (the relay sets this property itself; clients must not)";

    private Bookkeeping() {
    }

    /** Null when the id may be a job id (at most 128 printable ASCII characters, no spaces), else why not. */
    public static String idProblem(String id) {
        if (id.isEmpty()) {
            return "is empty";
        }
        if (id.length() > 128) {
            return "is longer than 128 characters";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return "may only contain printable ASCII characters without spaces";
            }
        }
        return null;
    }

    /** The {@code jobId} property (contract): a string (a number is taken as its digits), or null when absent. */
    public static String jobId(Object value, List<FieldError> problems) {
        if (value == null) {
            return null;
        }
        String id = value instanceof String s ? s
                : value instanceof Integer || value instanceof Long || value instanceof Short ? value.toString() : null;
        if (id == null) {
            problems.add(new FieldError(JobHeaders.JOB_ID, "must be a string, not " + typeOf(value)));
            return null;
        }
        String problem = idProblem(id);
        if (problem != null) {
            problems.add(new FieldError(JobHeaders.JOB_ID, problem));
            return null;
        }
        return id;
    }

    /** The {@code contentType} property (contract): a string, or null when absent. */
    public static String contentType(Object value, List<FieldError> problems) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        problems.add(new FieldError(JobHeaders.CONTENT_TYPE, "must be a string (message/rfc822 or application/json),"
                + " not " + typeOf(value)));
        return null;
    }

    /** {@code channel}: outbox, jms or http; absent means jms (a job posted to the queue directly). */
    public static Channel channel(Object value, List<FieldError> problems) {
        if (value == null) {
            return Channel.JMS;
        }
        if (value instanceof String s) {
            for (Channel c : Channel.values()) {
                if (c.id().equals(s.toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
        }
        problems.add(new FieldError(JobHeaders.CHANNEL, shown(value) + " is not one of outbox, jms, http"
                + RELAY_SETS_IT));
        return Channel.JMS;
    }

    /** {@code relayAttempts}: a whole number from 0; absent means 0. */
    public static int attempts(Object value, List<FieldError> problems) {
        Long n = whole(value);
        if (value == null) {
            return 0;
        }
        if (n == null || n < 0 || n > MAX_ATTEMPTS) {
            problems.add(new FieldError(JobHeaders.ATTEMPTS, shown(value) + " is not a number of attempts"
                    + RELAY_SETS_IT));
            return 0;
        }
        return n.intValue();
    }

    /** {@code relaySubmittedAt}: epoch milliseconds, not in the future; absent means null (the caller decides). */
    public static Instant submittedAt(Object value, Clock clock, List<FieldError> problems) {
        if (value == null) {
            return null;
        }
        Long n = whole(value);
        if (n == null || n <= 0 || n > clock.instant().plus(MAX_CLOCK_AHEAD).toEpochMilli()) {
            problems.add(new FieldError(JobHeaders.SUBMITTED_AT, shown(value) + " is not a time the job was"
                    + " submitted at (epoch milliseconds, not in the future)" + RELAY_SETS_IT));
            return null;
        }
        return Instant.ofEpochMilli(n);
    }

    /**
     * {@code outboxFile}: the name of a file in the outbox folder, for jobs of the outbox channel only - never a
     * path: the relay archives the job under that name in outbox/sent/ or outbox/failed/.
     */
    public static String outboxFile(Object value, Channel channel, List<FieldError> problems) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String name) || !OUTBOX_FILE.matcher(name).matches()
                || !name.toLowerCase(Locale.ROOT).matches(".*\\.(eml|json)")) {
            problems.add(new FieldError(JobHeaders.OUTBOX_FILE, shown(value) + " is not the name of a file in the"
                    + " outbox folder (*.eml or *.json, no folder)" + RELAY_SETS_IT));
            return null;
        }
        if (channel != Channel.OUTBOX) {
            problems.add(new FieldError(JobHeaders.OUTBOX_FILE, "is set by the relay for jobs of the outbox folder"
                    + " only" + RELAY_SETS_IT));
            return null;
        }
        return name;
    }

    /** {@code relayAdmission}: a token the relay made; absent means null (the caller makes one). */
    public static String admission(Object value, List<FieldError> problems) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String token) || !ADMISSION.matcher(token).matches()) {
            problems.add(new FieldError(JobHeaders.ADMISSION, "is not an admission token of the relay"
                    + RELAY_SETS_IT));
            return null;
        }
        return token;
    }

    private static Long whole(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof String s && s.matches("-?\\d{1,18}")) {
            return Long.parseLong(s);
        }
        return null;
    }

    /** A value as a reason shows it: quoted, and cut short. */
    static String shown(Object value) {
        String s = String.valueOf(value);
        s = s.length() > 60 ? s.substring(0, 57) + "..." : s;
        return "\"" + s.replaceAll("[\\x00-\\x1f\\x7f]", "?") + "\"";
    }

    private static String typeOf(Object value) {
        return value.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
}
