package org.outboxrelay.job;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A job that can never be sent as it is: malformed, incomplete or unsafe. Always permanent, never retried.
 */
public class InvalidJobException extends Exception {

    private final List<FieldError> errors;

    /** At most this many problems are spelled out in the message (all of them in {@link #errors()}). */
    static final int SHOWN = 20;

    public InvalidJobException(List<FieldError> errors) {
        super(errors.stream().limit(SHOWN).map(FieldError::toString).collect(Collectors.joining("; "))
                + (errors.size() > SHOWN ? "; and " + (errors.size() - SHOWN) + " more problem(s)" : ""));
        this.errors = List.copyOf(errors);
    }

    public InvalidJobException(String field, String message) {
        this(List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }
}
