package org.outboxrelay.provider;

/** How the SMTP connection is protected. */
public enum SmtpSecurity {
    /** Plain connection upgraded with STARTTLS; a server without STARTTLS is refused, never used in plain. */
    STARTTLS,
    /** TLS from the first byte (SMTPS, usually port 465). */
    TLS,
    /** No encryption: only for a server on the same host or a trusted network. */
    NONE;

    public int defaultPort() {
        return switch (this) {
            case STARTTLS -> 587;
            case TLS -> 465;
            case NONE -> 25;
        };
    }
}
