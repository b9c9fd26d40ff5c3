package org.outboxrelay.job;

/**
 * One problem with a job, named by where it is: a JSON path such as {@code to[1]} or {@code subject},
 * a header name for raw messages, or {@code (file)} for the input as a whole.
 */
public record FieldError(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
