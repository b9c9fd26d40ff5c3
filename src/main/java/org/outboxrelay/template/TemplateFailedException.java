package org.outboxrelay.template;

/**
 * A template that cannot give a complete mail: it is missing, has a syntax error, or uses a value the model
 * does not have. Always permanent (retrying would render the same), and the message names the template file,
 * the line and the expression, so that the integrator knows what to fix.
 */
public class TemplateFailedException extends Exception {

    public TemplateFailedException(String message) {
        super(message);
    }

    public TemplateFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
