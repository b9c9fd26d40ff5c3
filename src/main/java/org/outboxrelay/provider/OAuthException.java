package org.outboxrelay.provider;

/** The token endpoint refused or could not be reached. Never carries a token or secret. */
public class OAuthException extends Exception {

    private final String error;

    public OAuthException(String error, String message) {
        super(message);
        this.error = error;
    }

    public OAuthException(String message, Throwable cause) {
        super(message, cause);
        this.error = null;
    }

    /** The OAuth2 error code (invalid_grant, authorization_pending, ...), or null. */
    public String error() {
        return error;
    }
}
