package org.outboxrelay.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.apache.camel.component.mail.JavaMailSender;
import org.apache.camel.component.mail.MailAuthenticator;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * The camel-mail endpoint's {@code javaMailSender}: sends each message over a pooled, already authenticated
 * connection ({@link SmtpConnectionPool}) instead of connecting, signing in and quitting for every message.
 * It sends to the message's envelope (not its headers) and records on the {@link OutgoingMessage} which
 * recipients the server accepted, refused or deferred, and its reply. The endpoint's own host, port and
 * credential options are not used: the relay.smtp.* settings configure the pool.
 */
public class SmtpSender implements JavaMailSender {

    private final Session session;
    private final SmtpConnectionPool pool;
    private final String host;
    private final int port;

    public SmtpSender(Session session, SmtpConnectionPool pool, String host, int port) {
        this.session = session;
        this.pool = pool;
        this.host = host;
        this.port = port;
    }

    @Override
    public void send(MimeMessage message) throws MessagingException {
        Address[] envelope = message instanceof OutgoingMessage o
                ? o.getEnvelopeRecipients().toArray(new Address[0])
                : message.getAllRecipients();
        if (envelope == null || envelope.length == 0) {
            throw new SendFailedException("No recipient addresses");
        }
        SmtpConnectionPool.SmtpConnection reserved = message instanceof OutgoingMessage o
                ? o.takeReservedConnection() : null;
        SmtpConnectionPool.SmtpConnection connection = reserved != null ? reserved : pool.borrow();
        boolean reusable = false;
        try {
            SMTPTransport transport = connection.transport();
            SendResult result;
            try {
                transport.sendMessage(message, envelope);
                result = new SendResult(addresses(envelope), List.of(), List.of(), transport.getLastReturnCode(),
                        trim(transport.getLastServerResponse()));
            } catch (SMTPSendFailedException e) {
                if (e.getReturnCode() / 100 != 2) {
                    throw e; // the message itself was refused (at MAIL FROM or after DATA)
                }
                result = partial(e); // sent, but some recipients were refused at RCPT TO
            }
            reusable = true;
            if (message instanceof OutgoingMessage o) {
                o.setResult(result);
            }
        } finally {
            if (reusable) {
                pool.release(connection);
            } else {
                pool.discard(connection);
            }
        }
    }

    private static SendResult partial(SMTPSendFailedException e) {
        List<SendResult.Refusal> refused = new ArrayList<>();
        List<SendResult.Refusal> deferred = new ArrayList<>();
        for (Exception next = e.getNextException(); next != null;
                next = next instanceof MessagingException m ? m.getNextException() : null) {
            if (next instanceof SMTPAddressFailedException f) {
                SendResult.Refusal r = new SendResult.Refusal(f.getAddress().getAddress(), f.getReturnCode(),
                        trim(f.getMessage()));
                (f.getReturnCode() / 100 == 4 ? deferred : refused).add(r);
            }
        }
        return new SendResult(addresses(e.getValidSentAddresses()), refused, deferred, e.getReturnCode(),
                trim(e.getMessage()));
    }

    private static String trim(String reply) {
        return reply == null ? "" : reply.trim();
    }

    private static List<String> addresses(Address[] list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            for (Address a : list) {
                out.add(a instanceof InternetAddress ia ? ia.getAddress() : a.toString());
            }
        }
        return out;
    }

    public SmtpConnectionPool pool() {
        return pool;
    }

    // The rest of camel-mail's JavaMailSender contract: the relay.smtp.* settings decide, not endpoint options.

    @Override
    public Properties getJavaMailProperties() {
        return session.getProperties();
    }

    @Override
    public void setJavaMailProperties(Properties javaMailProperties) {
        // configured from relay.smtp.* settings
    }

    @Override
    public void addAdditionalJavaMailProperty(String key, String value) {
        // configured from relay.smtp.* settings
    }

    @Override
    public void setHost(String host) {
        // configured from relay.smtp.* settings
    }

    @Override
    public String getHost() {
        return host;
    }

    @Override
    public void setPort(int port) {
        // configured from relay.smtp.* settings
    }

    @Override
    public int getPort() {
        return port;
    }

    @Override
    public void setUsername(String username) {
        // configured from relay.smtp.* settings
    }

    @Override
    public String getUsername() {
        return null;
    }

    @Override
    public void setPassword(String password) {
        // configured from relay.smtp.* settings
    }

    @Override
    public String getPassword() {
        return null;
    }

    @Override
    public void setProtocol(String protocol) {
        // always smtp; TLS comes from relay.smtp.security
    }

    @Override
    public String getProtocol() {
        return "smtp";
    }

    @Override
    public void setSession(Session session) {
        // configured from relay.smtp.* settings
    }

    @Override
    public Session getSession() {
        return session;
    }

    @Override
    public void setAuthenticator(MailAuthenticator authenticator) {
        // credentials come from SmtpCredentials, asked per connection
    }

    @Override
    public MailAuthenticator getAuthenticator() {
        return null;
    }
}
