package org.outboxrelay.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.InternetAddress;

import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.util.PropUtil;

/**
 * The relay's SMTP transport (the session's {@code smtp} provider, see {@link SmtpSessions}): SMTPUTF8 where a
 * message needs it ({@link SmtpUtf8Transport}), plus command pipelining (RFC 2920) where the server offers
 * PIPELINING. Angus Mail waits for the reply to each command, so each costs a round trip to the server before the
 * message's content goes out (README, "Performance", has the figures). Here MAIL FROM, every RCPT TO and DATA
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
 * closed, so that nothing is delivered; Angus reports the refusal it read. The same when the server closed the
 * connection after a refusal (421): Angus reports that reply, not the broken connection.
 * <p>
 * Pipelining is used only where the commands sent ahead are certainly the ones Angus sends: no DSN NOTIFY
 * parameter, no group address, no BDAT (CHUNKING); and for at most {@value #MAX_PIPELINED_RECIPIENTS}
 * recipients. MAIL FROM, the RCPT TOs and DATA leave in one write to the socket ({@link HeldWrites}), so in one
 * TCP segment where they fit. Any other message goes out one command at a time, as does every message to a server that does not
 * offer PIPELINING, and every message with {@code relay.smtp.pipelining=false}.
 */
public class PipeliningSmtpTransport extends SmtpUtf8Transport {

    private static final String PIPELINING = "PIPELINING";
    /** The session property that relay.smtp.pipelining sets (the relay's own, not Angus's). */
    static final String ENABLED = "relay.smtp.pipelining";
    /**
     * At most this many recipients are sent ahead (else one command at a time): every RCPT goes out before any
     * reply is read, and a server whose unread replies fill the connection's buffers stops reading too.
     */
    static final int MAX_PIPELINED_RECIPIENTS = 100;

    /** Commands written ahead of Angus, oldest first; their replies are unread. */
    private final Deque<String> ahead = new ArrayDeque<>();
    /** The envelope of the message being sent, while it may be pipelined. */
    private Address[] envelope;
    /**
     * The server ended the connection (or waits for content that must not come) while replies were owed: nothing
     * more is written and every further reply reads as the end of the stream, so that Angus reports the reply it
     * already has (a refused sender) rather than the broken connection it would meet writing RSET.
     */
    private boolean lost;
    /** Writing the commands sent ahead failed: the connection is gone, though a reply may still be read. */
    private boolean writeFailed;
    /** The output of this connection's TCP socket (beneath TLS), or null when it is not the relay's own. */
    private HeldWrites writes;

    /**
     * Whether the session lets messages be pipelined at all: relay.smtp.pipelining, and no DSN NOTIFY or BDAT for
     * every message (either changes the commands that follow MAIL FROM). Read once: a session's settings are fixed.
     */
    private final boolean sessionAllows;

    public PipeliningSmtpTransport(Session session, URLName url) {
        super(session, url);
        sessionAllows = PropUtil.getBooleanProperty(session.getProperties(), ENABLED, true)
                && session.getProperty("mail.smtp.dsn.notify") == null
                && PropUtil.getIntProperty(session.getProperties(), "mail.smtp.chunksize", -1) <= 0;
    }

    @Override
    protected synchronized boolean protocolConnect(String host, int port, String user, String password)
            throws MessagingException {
        ahead.clear();
        lost = false;
        writeFailed = false;
        writes = null;
        HoldingSocket.forgetOpenedHere();
        try {
            return super.protocolConnect(host, port, user, password);
        } finally {
            writes = HoldingSocket.takeOpenedHere();
        }
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        envelope = pipelinable(message, addresses) ? addresses : null;
        try {
            super.sendMessage(message, addresses);
        } finally {
            envelope = null;
            if (!ahead.isEmpty() || lost || writeFailed) {
                // replies still owed (the next message would read them as its own), or the connection is gone
                ahead.clear();
                lost = true; // no QUIT into a message's content
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
        if (!sessionAllows || addresses == null || addresses.length == 0
                || addresses.length > MAX_PIPELINED_RECIPIENTS || !supportsExtension(PIPELINING)
                || message instanceof SMTPMessage m && m.getNotifyOptions() != 0) {
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
        if (lost) {
            return;
        }
        if (!ahead.isEmpty()) {
            if (command.equals(ahead.peekFirst())) {
                ahead.removeFirst(); // on its way already; Angus reads its reply next
                return;
            }
            catchUp(command);
        }
        if (writeFailed) {
            lost = true; // the connection broke while commands were sent ahead
        }
        if (lost) {
            return;
        }
        if (envelope == null || !command.startsWith("MAIL FROM:")) {
            super.sendCommand(command);
            return;
        }
        Address[] recipients = envelope;
        envelope = null;
        if (writes != null) {
            writes.hold(); // MAIL FROM, the RCPT TOs and DATA leave in one write
        }
        try {
            super.sendCommand(command);
            MessagingException unwritten = sendAhead(recipients);
            if (unwritten != null && writes != null && writes.holding()) {
                // refused before any of the group left (Angus checks each command before writing it, e.g. a line
                // break in an address): the server never got MAIL FROM, so no reply will come to read
                lost = true;
                throw unwritten;
            }
        } finally {
            if (writes != null && writes.holding()) {
                writes.drop(); // a group that broke off is never sent in part
            }
        }
    }

    /**
     * Every RCPT TO, then DATA, without waiting; with this connection's own socket they are held and leave with
     * DATA, together with MAIL FROM. A write can fail (the server closed the connection): then the rest stays
     * unwritten and Angus first reads whatever reply it has. Returns that failure, or null.
     */
    private MessagingException sendAhead(Address[] recipients) {
        List<String> group = new ArrayList<>(recipients.length + 1);
        for (Address a : recipients) {
            group.add(rcptTo((InternetAddress) a));
        }
        group.add("DATA");
        for (int i = 0; i < group.size(); i++) {
            String next = group.get(i);
            if (i == group.size() - 1 && writes != null) {
                writes.sendWithNextWrite(); // Angus times this write: the whole group is under its write timeout
            }
            try {
                super.sendCommand(next);
            } catch (MessagingException e) {
                writeFailed = true;
                return e;
            }
            ahead.add(next);
        }
        return null;
    }

    @Override
    protected int readServerResponse() throws MessagingException {
        return lost ? -1 : super.readServerResponse();
    }

    /**
     * Before a command other than the next one sent ahead: reads the replies owed to the commands sent ahead, so
     * that the reply to this command is read as its own. QUIT is sent at once (the connection ends anyway). The
     * end of the stream, a reply without a code or a 354 (the server now waits for the content: ending it with a
     * dot would deliver it) end the connection here; Angus's last reply stands as it restores it itself.
     */
    private void catchUp(String command) throws MessagingException {
        int owed = ahead.size();
        ahead.clear();
        if (command.equals("QUIT")) {
            return;
        }
        for (int i = 0; i < owed && !lost; i++) {
            int code;
            try {
                code = super.readServerResponse();
            } catch (MessagingException e) {
                code = -1;
            }
            lost = code == -1 || code == 354;
        }
        if (lost) {
            try {
                close();
            } catch (MessagingException e) {
                // the connection is gone either way
            }
        }
    }

    /** Angus's RCPT TO command for the address (its normalizeAddress). */
    static String rcptTo(InternetAddress address) {
        String a = address.getAddress();
        return "RCPT TO:" + (a.startsWith("<") || a.endsWith(">") ? a : "<" + a + ">");
    }
}
