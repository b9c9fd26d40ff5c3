package org.outboxrelay.provider;

/** How the relay signs in to the SMTP server. */
public enum SmtpAuth {
    /** AUTH PLAIN or LOGIN with relay.smtp.username and relay.smtp.password. */
    PASSWORD,
    /** SASL XOAUTH2 with an OAuth2 access token (relay.oauth.*). */
    XOAUTH2,
    /** No sign-in. */
    NONE
}
