package org.outboxrelay.delivery;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.InternetAddress;

import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.outboxrelay.job.Addresses;

/**
 * Angus Mail's SMTP transport plus SMTPUTF8 (RFC 6531) only where a message needs it; the relay sends through
 * {@link PipeliningSmtpTransport}, which builds on this one. A message whose addresses have a non-ASCII local
 * part ({@code jörg@example.com}) is sent with {@code MAIL FROM:<...> SMTPUTF8} when the server offers the
 * extension, and refused with {@link SmtpUtf8NotOfferedException} before any command when it does not -
 * Angus itself would send it anyway. Every other message goes out without the SMTPUTF8 parameter, so that
 * plain ASCII mail is never tied to servers that support it.
 * <p>
 * Angus sends UTF-8 commands only when the session has {@code mail.mime.allowutf8=true}, and then adds SMTPUTF8
 * to every MAIL FROM the server would take it on; this class narrows that to the messages that need it.
 */
public class SmtpUtf8Transport extends SMTPTransport {

    private static final String SMTPUTF8 = "SMTPUTF8";

    /** While connecting, Angus only asks for SMTPUTF8 to log that allowutf8 is set but not offered. */
    private boolean connecting;
    /** While sending a message that does not need SMTPUTF8. */
    private boolean sendingWithoutSmtpUtf8;

    public SmtpUtf8Transport(Session session, URLName url) {
        super(session, url);
    }

    @Override
    protected synchronized boolean protocolConnect(String host, int port, String user, String password)
            throws MessagingException {
        connecting = true;
        try {
            return super.protocolConnect(host, port, user, password);
        } finally {
            connecting = false;
        }
    }

    /**
     * A 4xx to EHLO (421: the server is closing the connection) ends the attempt with that reply. Angus would try
     * HELO next on the closed connection and report only that the connection was lost.
     */
    @Override
    protected boolean ehlo(String domain) throws MessagingException {
        boolean ok = super.ehlo(domain);
        if (!ok && getLastReturnCode() / 100 == 4) {
            throw new MessagingException(getLastServerResponse());
        }
        return ok;
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        String international = internationalAddress(message, addresses);
        if (international != null && !super.supportsExtension(SMTPUTF8)) {
            throw new SmtpUtf8NotOfferedException(international);
        }
        sendingWithoutSmtpUtf8 = international == null;
        try {
            super.sendMessage(message, addresses);
        } finally {
            sendingWithoutSmtpUtf8 = false;
        }
    }

    @Override
    public boolean supportsExtension(String extension) {
        if (SMTPUTF8.equalsIgnoreCase(extension)) {
            if (connecting) {
                return true; // nothing to log: a server without SMTPUTF8 is fine for ASCII mail
            }
            if (sendingWithoutSmtpUtf8) {
                return false;
            }
        }
        return super.supportsExtension(extension);
    }

    /** The first address that needs SMTPUTF8 (envelope or headers), or null. */
    static String internationalAddress(Message message, Address[] envelope) throws MessagingException {
        if (message instanceof SMTPMessage m && m.getEnvelopeFrom() != null && !Addresses.isAscii(m.getEnvelopeFrom())) {
            return m.getEnvelopeFrom();
        }
        if (envelope != null) {
            for (Address a : envelope) {
                String address = a instanceof InternetAddress ia ? ia.getAddress() : a.toString();
                if (!Addresses.isAscii(address)) {
                    return address;
                }
            }
        }
        if (message instanceof OutgoingMessage o && o.smtpUtf8Address() != null) {
            return o.smtpUtf8Address();
        }
        return null;
    }
}
