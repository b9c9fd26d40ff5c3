package org.outboxrelay.job;

/**
 * One problem with a job, named by where it is: a JSON path such as {@code to[1]} or {@code subject},
 * a header name for raw messages, or {@code (file)} for the input as a whole. Both often quote what the sender
 * wrote; control characters in it (a CR LF meant to forge a log line or a header) are shown escaped, so a
 * reason is always one safe line in logs, properties and error files.
 */
public record FieldError(String field, String message) {

    public FieldError {
        field = escaped(field);
        message = escaped(message);
    }

    @Override
    public String toString() {
        return field + ": " + message;
    }

    /** CR shown as backslash-r, LF as backslash-n, other control characters as backslash-u and four hex digits. */
    static String escaped(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                b.append(c == '\r' ? "\\r" : c == '\n' ? "\\n" : String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }
}
