package org.outboxrelay.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;

import org.outboxrelay.delivery.SmtpUtf8Transport;

/**
 * The relay's own SMTP transport, writing down the dialogue for doctor: each command (an AUTH command only with
 * its mechanism, never its credentials) with the server's reply, and where the dialogue stood when it broke off.
 */
public class DoctorTransport extends SmtpUtf8Transport {

    /** One command and the server's reply (the greeting has no command; TLS says whether it went over TLS). */
    public record Exchange(String command, int code, String reply, boolean tls) {
    }

    private final List<Exchange> dialogue = new ArrayList<>();
    private String pending;
    private boolean tls;

    public DoctorTransport(Session session, URLName url) {
        super(session, url);
    }

    @Override
    protected void sendCommand(String command) throws MessagingException {
        pending = visible(command);
        super.sendCommand(command);
    }

    @Override
    protected int readServerResponse() throws MessagingException {
        int code = super.readServerResponse();
        String reply = getLastServerResponse();
        synchronized (dialogue) {
            Exchange last = dialogue.isEmpty() ? null : dialogue.get(dialogue.size() - 1);
            if (pending == null && last != null && last.command() != null && last.command().startsWith("AUTH")) {
                // the answer to a credential line of AUTH (never shown): the AUTH exchange goes on
                dialogue.set(dialogue.size() - 1, new Exchange(last.command(), code, reply, tls));
            } else {
                dialogue.add(new Exchange(pending, code, reply, tls));
            }
        }
        pending = null;
        return code;
    }

    @Override
    protected void startTLS() throws MessagingException {
        super.startTLS();
        tls = true;
    }

    @Override
    protected int simpleCommand(byte[] command) throws MessagingException {
        pending = null; // an AUTH credential line: its reply belongs to the AUTH exchange
        return super.simpleCommand(command);
    }

    /** The dialogue so far. */
    public List<Exchange> dialogue() {
        synchronized (dialogue) {
            return List.copyOf(dialogue);
        }
    }

    /** The command sent last whose reply never came (null when every command got one). */
    public String unanswered() {
        return pending;
    }

    /** Whether the connection was upgraded by STARTTLS. */
    public boolean startedTls() {
        return tls;
    }

    /** A command as it may be shown: AUTH without its initial response. */
    static String visible(String command) {
        String upper = command.toUpperCase(Locale.ROOT);
        if (upper.startsWith("AUTH ")) {
            String[] parts = command.split(" ");
            return parts[0] + " " + parts[1];
        }
        return command;
    }
}
