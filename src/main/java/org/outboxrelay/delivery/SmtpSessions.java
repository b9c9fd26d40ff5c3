package org.outboxrelay.delivery;

import java.util.Properties;

import javax.net.ssl.SSLSocketFactory;

import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Provider;
import jakarta.mail.Session;

import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.provider.TrustStores;

/**
 * The Jakarta Mail session for the configured server: STARTTLS required (never a fall back to plain) or
 * implicit TLS, certificates and host names always checked, partial delivery on (so that one refused
 * recipient does not stop the others) and timeouts everywhere.
 */
public final class SmtpSessions {

    static {
        // Jakarta Mail 2.1 looks its StreamProvider up with a ServiceLoader - a class path scan - for every MIME
        // part it writes and every header it encodes (jakartaee/mail-api#861), about 6% of the relay's CPU samples
        // in DeliveryBenchmark. Naming the implementation makes it a plain class lookup.
        if (System.getProperty("jakarta.mail.util.StreamProvider") == null) {
            System.setProperty("jakarta.mail.util.StreamProvider", "org.eclipse.angus.mail.util.MailStreamProvider");
        }
    }

    private SmtpSessions() {
    }

    public static Session create(SmtpSettings s) {
        return create(s, new SmtpSockets());
    }

    /** A session whose sockets {@code sockets} can cut at shutdown. */
    public static Session create(SmtpSettings s, SmtpSockets sockets) {
        Properties p = new Properties();
        p.put("mail.smtp.socketFactory", sockets.plain());
        p.put("mail.transport.protocol", "smtp");
        p.put("mail.smtp.host", s.host());
        p.put("mail.smtp.port", String.valueOf(s.port()));
        p.put("mail.smtp.connectiontimeout", String.valueOf(s.connectTimeout().toMillis()));
        p.put("mail.smtp.timeout", String.valueOf(s.readTimeout().toMillis()));
        p.put("mail.smtp.writetimeout", String.valueOf(s.readTimeout().toMillis()));
        p.put("mail.smtp.executor.writetimeout", SmtpWriteTimeouts.shared());
        p.put("mail.smtp.sendpartial", "true");
        // closing waits for the reply to QUIT: only then has the server ended the session, and only then may the
        // connection's place in relay.smtp.max-connections go to the next one (a server slow to read QUIT would
        // otherwise see one more connection than the cap, which a server's own limit may refuse)
        p.put("mail.smtp.quitwait", "true");
        p.put(PipeliningSmtpTransport.ENABLED, String.valueOf(s.pipelining()));
        // UTF-8 commands for international addresses; SmtpUtf8Transport (PipeliningSmtpTransport's parent) adds
        // SMTPUTF8 only where needed
        p.put("mail.mime.allowutf8", "true");
        if (s.security() != SmtpSecurity.NONE) {
            SSLSocketFactory tls = sockets.tls(TrustStores.socketFactory(s.trustFile()));
            p.put("mail.smtp.ssl.socketFactory", tls);
            p.put("mail.smtp.ssl.checkserveridentity", "true");
            if (s.security() == SmtpSecurity.STARTTLS) {
                p.put("mail.smtp.starttls.enable", "true");
                p.put("mail.smtp.starttls.required", "true");
            } else {
                p.put("mail.smtp.ssl.enable", "true");
            }
        }
        if (s.auth() != SmtpAuth.NONE) {
            p.put("mail.smtp.auth", "true");
            p.put("mail.smtp.auth.mechanisms", s.auth() == SmtpAuth.XOAUTH2 ? "XOAUTH2" : "PLAIN LOGIN");
        }
        Session session = Session.getInstance(p);
        try {
            session.setProvider(new Provider(Provider.Type.TRANSPORT, "smtp", PipeliningSmtpTransport.class.getName(),
                    "Outbox Relay", "1"));
        } catch (NoSuchProviderException e) {
            throw new IllegalStateException(e);
        }
        return session;
    }
}
