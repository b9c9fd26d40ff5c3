package org.outboxrelay.delivery;

/** The From address is neither the account nor one of its allowed aliases: refused before any SMTP traffic. */
public class SenderNotAllowedException extends Exception {

    public SenderNotAllowedException(String message) {
        super(message);
    }
}
