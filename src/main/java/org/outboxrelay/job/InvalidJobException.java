package org.outboxrelay.job;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A job that can never be sent as it is: malformed, incomplete or unsafe. Always permanent, never retried.
 */
public class InvalidJobException extends Exception {

    private final List<FieldError> errors;

    public InvalidJobException(List<FieldError> errors) {
        super(errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public InvalidJobException(String field, String message) {
        this(List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }
}
