package org.outboxrelay.delivery;

import java.util.ArrayDeque;
import java.util.Deque;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.InternetAddress;

import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * The relay's SMTP transport (configured as {@code mail.smtp.class} by {@link SmtpSessions}): SMTPUTF8 where a
 * message needs it ({@link SmtpUtf8Transport}), plus command pipelining (RFC 2920) where the server offers
 * PIPELINING. Angus Mail waits for the reply to each command; over a link with a round trip of 50 ms to
 * Outlook's servers that is 150 ms per message before its content goes out. Here MAIL FROM, every RCPT TO and DATA
 * leave together, and their replies are read afterwards, in order, by Angus's own code - so every reply is
 * handled exactly as without pipelining (a refused recipient, a refused sender, DATA refused because no
 * recipient was accepted).
 * <p>
 * How: when Angus sends MAIL FROM, this class sends the RCPT TO commands and DATA that Angus will send next
 * (the same words, from the same envelope) right behind it, and remembers them. As Angus then "sends" each of them,
 * nothing is written again; Angus reads the replies one by one as it always does. A command that Angus sends
 * instead (RSET after a refusal, QUIT) first reads the replies still owed to the commands sent ahead, so that the
 * connection stays in step for the next message. If the server answered DATA with 354 where Angus gives up (a
 * server that accepts DATA without any accepted recipient), it now waits for the content: the connection is
 * closed, so that nothing is delivered, and the job goes the way of any lost connection.
 * <p>
 * Pipelining is used only where the commands sent ahead are certainly the ones Angus sends: no DSN NOTIFY
 * parameter, no group address, no BDAT (CHUNKING). Any other message goes out one command at a time, as does
 * every message to a server that does not offer PIPELINING.
 */
public class PipeliningSmtpTransport extends SmtpUtf8Transport {

    private static final String PIPELINING = "PIPELINING";

    /** Commands written ahead of Angus, oldest first; their replies are unread. */
    private final Deque<String> ahead = new ArrayDeque<>();
    /** The envelope of the message being sent, while it may be pipelined. */
    private Address[] envelope;

    public PipeliningSmtpTransport(Session session, URLName url) {
        super(session, url);
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        envelope = pipelinable(message, addresses) ? addresses : null;
        try {
            super.sendMessage(message, addresses);
        } finally {
            envelope = null;
            if (!ahead.isEmpty()) {
                // replies still owed: the next message would read them as its own, so this connection is done
                ahead.clear();
                try {
                    close();
                } catch (MessagingException e) {
                    // closing is all that was wanted; the send's own outcome stands
                }
            }
        }
    }

    /** Whether the commands after MAIL FROM are certainly "RCPT TO:<address>" for each address, then DATA. */
    private boolean pipelinable(Message message, Address[] addresses) {
        if (addresses == null || addresses.length == 0 || !supportsExtension(PIPELINING)) {
            return false;
        }
        if (session.getProperty("mail.smtp.dsn.notify") != null
                || message instanceof SMTPMessage m && m.getNotifyOptions() != 0) {
            return false;
        }
        String chunkSize = session.getProperty("mail.smtp.chunksize");
        if (chunkSize != null && !chunkSize.isBlank() && !chunkSize.trim().equals("0")) {
            return false;
        }
        for (Address a : addresses) {
            if (!(a instanceof InternetAddress ia) || ia.isGroup()) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected void sendCommand(String command) throws MessagingException {
        if (!ahead.isEmpty()) {
            if (command.equals(ahead.peekFirst())) {
                ahead.removeFirst(); // on its way already; Angus reads its reply next
                return;
            }
            catchUp(command);
        }
        super.sendCommand(command);
        if (envelope != null && command.startsWith("MAIL FROM:")) {
            Address[] recipients = envelope;
            envelope = null;
            for (Address a : recipients) {
                ahead.add(rcptTo((InternetAddress) a));
            }
            ahead.add("DATA");
            for (String next : ahead) {
                super.sendCommand(next);
            }
        }
    }

    /**
     * Before a command other than the next one sent ahead: reads the replies owed to the commands sent ahead, so
     * that the reply to this command is read as its own. QUIT is sent at once (the connection ends anyway).
     */
    private void catchUp(String command) throws MessagingException {
        int owed = ahead.size();
        ahead.clear();
        if (command.equals("QUIT")) {
            return;
        }
        for (int i = 0; i < owed; i++) {
            if (readServerResponse() == 354) {
                // the server waits for the message content; ending it with a dot would deliver it
                close();
                throw new MessagingException("the SMTP server accepted DATA after refusing the message"
                        + " (reply: " + getLastServerResponse().trim() + "); the connection was closed unsent");
            }
        }
    }

    /** Angus's RCPT TO command for the address (its normalizeAddress). */
    static String rcptTo(InternetAddress address) {
        String a = address.getAddress();
        return "RCPT TO:" + (a.startsWith("<") || a.endsWith(">") ? a : "<" + a + ">");
    }
}
