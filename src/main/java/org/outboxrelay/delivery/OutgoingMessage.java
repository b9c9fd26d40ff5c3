package org.outboxrelay.delivery;

import java.io.InputStream;
import java.util.List;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;

import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * A message ready for SMTP: its envelope (MAIL FROM and RCPT TO, independent of the headers, so Bcc never
 * appears in them), a Message-ID that stays what the relay chose, and, once sent, the {@link SendResult}.
 * It is the body the camel-mail endpoint receives; {@link SmtpSender} uses the envelope and fills the result.
 */
public class OutgoingMessage extends SMTPMessage {

    private final String fixedMessageId;
    private List<InternetAddress> envelopeRecipients = List.of();
    private SendResult result;
    private String smtpUtf8Address;
    private volatile SmtpConnectionPool.SmtpConnection reservedConnection;
    private byte[] signedBytes;

    public OutgoingMessage(Session session, String messageId) {
        super(session);
        this.fixedMessageId = messageId;
    }

    /** A complete message parsed from bytes; its content is sent as it is. */
    public OutgoingMessage(Session session, InputStream raw, String messageId) throws MessagingException {
        super(session, raw);
        this.fixedMessageId = messageId;
    }

    /** The same message for some of its recipients (one of several messages when a job has too many). */
    public OutgoingMessage(OutgoingMessage source, List<InternetAddress> recipients) throws MessagingException {
        super(source);
        this.fixedMessageId = source.fixedMessageId;
        setEnvelopeFrom(source.getEnvelopeFrom());
        this.envelopeRecipients = List.copyOf(recipients);
    }

    @Override
    protected void updateMessageID() throws MessagingException {
        setHeader("Message-ID", fixedMessageId);
    }

    public String fixedMessageId() {
        return fixedMessageId;
    }

    public List<InternetAddress> getEnvelopeRecipients() {
        return envelopeRecipients;
    }

    public void setEnvelopeRecipients(List<InternetAddress> recipients) {
        this.envelopeRecipients = List.copyOf(recipients);
    }

    /** An address of the message that needs SMTPUTF8 (non-ASCII local part), or null for plain mail. */
    public String smtpUtf8Address() {
        return smtpUtf8Address;
    }

    void setSmtpUtf8Address(String address) {
        this.smtpUtf8Address = address;
    }

    /**
     * The message as signed (DKIM): from now on written exactly so, whatever the transport would change (a
     * signature covers the bytes). Set by the last step before SMTP.
     */
    public void setSignedBytes(byte[] bytes) {
        this.signedBytes = bytes;
    }

    public boolean isSigned() {
        return signedBytes != null;
    }

    @Override
    public void writeTo(java.io.OutputStream os, String[] ignoreList) throws java.io.IOException, MessagingException {
        if (signedBytes != null) {
            os.write(signedBytes); // never with Bcc: neither a built job nor a raw message keeps one
            return;
        }
        super.writeTo(os, ignoreList);
    }

    public SendResult getResult() {
        return result;
    }

    void setResult(SendResult result) {
        this.result = result;
    }

    /** Keeps a connection reserved for this message (the delivery route's {@code smtpConnections.reserve}). */
    void reserve(SmtpConnectionPool.SmtpConnection connection) {
        this.reservedConnection = connection;
    }

    /** The reserved connection, handed over once (null when none is reserved or it was taken). */
    synchronized SmtpConnectionPool.SmtpConnection takeReservedConnection() {
        SmtpConnectionPool.SmtpConnection c = reservedConnection;
        reservedConnection = null;
        return c;
    }
}
