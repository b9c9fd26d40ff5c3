package org.outboxrelay.bounce;

import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Properties;

import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.search.ComparisonTerm;
import jakarta.mail.search.FlagTerm;
import jakarta.mail.search.FromStringTerm;
import jakarta.mail.search.HeaderTerm;
import jakarta.mail.search.NotTerm;
import jakarta.mail.search.OrTerm;
import jakarta.mail.search.ReceivedDateTerm;
import jakarta.mail.search.SearchTerm;
import jakarta.mail.search.SubjectTerm;
import jakarta.mail.search.AndTerm;

import org.apache.camel.component.mail.MailAuthenticator;
import org.outboxrelay.delivery.SmtpCredentials;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.TrustStores;

/**
 * The account's mailbox for camel-mail's IMAP consumer (routes/bounces.camel.yaml): the Jakarta Mail session
 * (TLS verified, timeouts, XOAUTH2 or a password), the sign-in (a fresh OAuth2 access token for each connection,
 * from the same client and refresh token as SMTP) and which messages to fetch at all - only what looks like a
 * report, received within relay.bounces.max-age, so that people's mail in the same inbox is never touched.
 */
public final class BounceMailbox {

    private BounceMailbox() {
    }

    /** The session; its protocol (imap/imaps) is the route's scheme. */
    public static Session session(BounceSettings s) {
        String p = s.protocol();
        Properties props = new Properties();
        props.put("mail." + p + ".connectiontimeout", String.valueOf(s.connectTimeout().toMillis()));
        props.put("mail." + p + ".timeout", String.valueOf(s.readTimeout().toMillis()));
        props.put("mail." + p + ".writetimeout", String.valueOf(s.readTimeout().toMillis()));
        if (s.security() != SmtpSecurity.NONE) {
            props.put("mail." + p + ".ssl.socketFactory", TrustStores.socketFactory(s.trustFile()));
            props.put("mail." + p + ".ssl.checkserveridentity", "true");
            if (s.security() == SmtpSecurity.TLS) {
                props.put("mail." + p + ".ssl.enable", "true");
            } else {
                props.put("mail." + p + ".starttls.enable", "true");
                props.put("mail." + p + ".starttls.required", "true");
            }
        }
        if (s.auth() == SmtpAuth.XOAUTH2) {
            // the password Jakarta Mail is given is the access token
            props.put("mail." + p + ".auth.mechanisms", "XOAUTH2");
        } else {
            props.put("mail." + p + ".auth.mechanisms", "PLAIN LOGIN");
        }
        return Session.getInstance(props);
    }

    /**
     * camel-mail's authenticator: asked at each connection, so an access token is always fresh. camel-mail also
     * asks it once when the route starts, for the user name only: a sign-in that cannot work must not stop the
     * relay, so instead of failing it remembers why ({@link #problem()}, which the route's error handler logs)
     * and gives no password - the connection then fails, and the next poll asks again.
     */
    public static final class Login extends MailAuthenticator {
        private final BounceSettings settings;
        private final SmtpCredentials credentials;
        private volatile String problem;

        Login(BounceSettings settings, SmtpCredentials credentials) {
            this.settings = settings;
            this.credentials = credentials;
        }

        @Override
        public PasswordAuthentication getPasswordAuthentication() {
            try {
                PasswordAuthentication auth = new PasswordAuthentication(settings.username(), credentials.secret());
                problem = null;
                return auth;
            } catch (MessagingException e) {
                problem = "cannot sign in to the mailbox " + settings.describe() + ": " + e.getMessage();
                return new PasswordAuthentication(settings.username(), null);
            }
        }

        /** Why the last sign-in could not be made, or null. */
        public String problem() {
            return problem;
        }
    }

    public static Login login(BounceSettings s, SmtpCredentials credentials) {
        return new Login(s, credentials);
    }

    /**
     * What to fetch: not deleted, received at most {@code maxAge} before the relay started, and shaped like a report -
     * a multipart/report, an Exchange NDR, or from a mailer daemon or postmaster, or with a bounce's subject.
     * Every term is a standard IMAP SEARCH key, so the server does the filtering.
     */
    public static SearchTerm searchTerm(BounceSettings s, Clock clock) {
        List<SearchTerm> shapes = List.of(
                new HeaderTerm("Content-Type", "multipart/report"),
                new HeaderTerm("X-MS-Exchange-Message-Is-Ndr", ""),
                new FromStringTerm("mailer-daemon"),
                new FromStringTerm("postmaster"),
                new SubjectTerm("Undeliverable"),
                new SubjectTerm("Undelivered"),
                new SubjectTerm("Delivery Status Notification"),
                new SubjectTerm("Mail delivery failed"),
                new SubjectTerm("Returned mail"));
        return new AndTerm(new SearchTerm[] {
            new NotTerm(new FlagTerm(new jakarta.mail.Flags(jakarta.mail.Flags.Flag.DELETED), true)),
            // SINCE: computed when the route starts (a term the server cannot evaluate would make the client fetch
            // every message to match it); it keeps old bounces of before the relay's time out
            new ReceivedDateTerm(ComparisonTerm.GE, Date.from(clock.instant().minus(s.maxAge()))),
            new OrTerm(shapes.toArray(new SearchTerm[0]))});
    }

}
