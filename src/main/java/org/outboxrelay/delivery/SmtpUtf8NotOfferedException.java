package org.outboxrelay.delivery;

import jakarta.mail.MessagingException;

/**
 * A message with an international address (non-ASCII local part) for a server that does not offer SMTPUTF8.
 * Permanent: that server will not take it however often it is tried (as Postfix bounces such mail with
 * 5.6.7); the job is dead-lettered with this reason and can be sent again through another server.
 */
public class SmtpUtf8NotOfferedException extends MessagingException {

    public SmtpUtf8NotOfferedException(String address) {
        super("the SMTP server does not offer SMTPUTF8, which the address " + address
                + " needs (its local part is not ASCII): not sent");
    }
}
