package org.outboxrelay.delivery;

import jakarta.mail.MessagingException;

/**
 * What the relay signs in with, asked once per new SMTP connection: a password, or a fresh OAuth2 access
 * token for XOAUTH2. Never logged.
 */
public interface SmtpCredentials {

    /** No sign-in. */
    SmtpCredentials NONE = new SmtpCredentials() {
        @Override
        public String username() {
            return null;
        }

        @Override
        public String secret() {
            return null;
        }
    };

    String username();

    /** The password or access token for the next connection. */
    String secret() throws MessagingException;

    static SmtpCredentials password(String username, String password) {
        return new SmtpCredentials() {
            @Override
            public String username() {
                return username;
            }

            @Override
            public String secret() {
                return password;
            }

            @Override
            public String toString() {
                return "password credentials for " + username;
            }
        };
    }
}
