package org.outboxrelay.doctor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import jakarta.mail.MessagingException;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Session;

import org.outboxrelay.delivery.DeliveryFailure;
import org.outboxrelay.delivery.SmtpReplyClassifier;
import org.outboxrelay.delivery.SmtpSessions;
import org.outboxrelay.delivery.SmtpSockets;
import org.outboxrelay.provider.OAuthAccessTokens;
import org.outboxrelay.provider.OAuthClient;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.RefreshTokenFile;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.replies.FailureCondition;
import org.outboxrelay.replies.ReplyRule;

/**
 * Checks the configured SMTP server and account step by step, the way the relay connects (the same
 * {@link SmtpSessions} session, {@link SmtpSockets}, trust, OAuth2 tokens and transport), without sending mail:
 * name resolution, TCP connection, greeting, EHLO and its extensions, STARTTLS with the certificate and its host
 * name, the OAuth2 token, AUTH, {@code MAIL FROM} and {@code RSET}. Each step is reported as it ends; the first
 * failure ends the checks, with the server's reply and, from the reply tables, what it means and how to fix it.
 */
public final class SmtpDoctor {

    /** How a step ended. */
    public enum Result { OK, FAIL }

    /** One step: its name, what was seen, and for a failure what it means and how to fix it (from the tables). */
    public record Step(Result result, String name, String detail, String meaning, String fix) {

        static Step ok(String name, String detail) {
            return new Step(Result.OK, name, detail, null, null);
        }

        static Step fail(String name, String detail, ReplyRule rule) {
            return new Step(Result.FAIL, name, detail, rule == null ? null : rule.meaning(),
                    rule == null ? null : rule.fix());
        }
    }

    private final SmtpSettings smtp;
    private final OAuthSettings oauth;
    private final Clock clock;
    private final SmtpReplyClassifier classifier = new SmtpReplyClassifier();

    /** {@code oauth} is only read with relay.smtp.auth=xoauth2. */
    public SmtpDoctor(SmtpSettings smtp, OAuthSettings oauth, Clock clock) {
        this.smtp = smtp;
        this.oauth = oauth;
        this.clock = clock;
    }

    /** Runs the checks in order, reporting each step as it ends; stops at the first failure. True when all passed. */
    public boolean run(Consumer<Step> report) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(smtp.host());
        } catch (UnknownHostException e) {
            return failed(report, "name resolution", smtp.host() + " cannot be resolved", FailureCondition.UNKNOWN_HOST);
        }
        report.accept(Step.ok("name resolution", smtp.host() + " -> " + Arrays.stream(addresses)
                .map(InetAddress::getHostAddress).collect(Collectors.joining(", "))));

        if (!tcp(addresses[0], report)) {
            return false;
        }
        String secret;
        try {
            secret = secret(report);
        } catch (MessagingException e) {
            DeliveryFailure f = classifier.classifyFailure(e);
            report.accept(Step.fail("OAuth2 token", f.reply() != null ? f.reply() : f.reason(), f.rule()));
            return false;
        }
        return smtpDialogue(secret, report);
    }

    private boolean tcp(InetAddress address, Consumer<Step> report) {
        String target = address.getHostAddress() + ":" + smtp.port();
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, smtp.port()), (int) smtp.connectTimeout().toMillis());
        } catch (SocketTimeoutException e) {
            return failed(report, "TCP connection", "no answer from " + target + " within "
                    + seconds(smtp.connectTimeout()) + " (relay.smtp.connect-timeout)", FailureCondition.CONNECT_TIMEOUT);
        } catch (IOException e) {
            return failed(report, "TCP connection", target + ": " + e.getMessage(), FailureCondition.CONNECTION_REFUSED);
        }
        report.accept(Step.ok("TCP connection", target + " (" + Duration.ofNanos(System.nanoTime() - start).toMillis()
                + " ms)"));
        return true;
    }

    /** The password, or a fresh OAuth2 access token (reported as its own step), or null without sign-in. */
    private String secret(Consumer<Step> report) throws MessagingException {
        if (smtp.auth() == SmtpAuth.NONE) {
            return null;
        }
        if (smtp.auth() == SmtpAuth.PASSWORD) {
            return smtp.password();
        }
        RefreshTokenFile file = new RefreshTokenFile(oauth.tokenFile());
        OAuthAccessTokens tokens = new OAuthAccessTokens(smtp.username(), oauth, new OAuthClient(oauth), file, clock);
        String token = tokens.secret();
        StringBuilder detail = new StringBuilder("access token from " + oauth.tokenUrl() + ", valid until "
                + minutes(tokens.accessTokenExpiresAt()));
        if (oauth.flow() == OAuthSettings.Flow.REFRESH_TOKEN) {
            detail.append("; refresh token renewed in ").append(file.path());
            Instant expires = tokens.refreshTokenExpiresAt();
            detail.append(expires != null ? ", it expires " + minutes(expires)
                    : ": the identity provider does not say when it expires (Microsoft ends one unused for 90 days;"
                            + " the relay renews it with every access token)");
        } else {
            detail.append(" (client credentials: no refresh token)");
        }
        report.accept(Step.ok("OAuth2 token", detail.toString()));
        return token;
    }

    private boolean smtpDialogue(String secret, Consumer<Step> report) {
        SmtpSockets sockets = new SmtpSockets();
        Session session = SmtpSessions.create(smtp, sockets);
        DoctorTransport transport;
        try {
            session.setProvider(new jakarta.mail.Provider(jakarta.mail.Provider.Type.TRANSPORT, "smtp",
                    DoctorTransport.class.getName(), "Outbox Relay doctor", "1"));
            transport = (DoctorTransport) session.getTransport("smtp");
        } catch (NoSuchProviderException e) {
            throw new IllegalStateException(e);
        }
        try {
            Exception failure = null;
            try {
                transport.connect(smtp.host(), smtp.port(), smtp.auth() == SmtpAuth.NONE ? null : smtp.username(),
                        secret);
            } catch (MessagingException | RuntimeException e) {
                failure = e;
            }
            if (!connectSteps(transport, sockets, failure, report)) {
                return false;
            }
            String from = "<" + smtp.from().getAddress() + ">";
            return command(transport, "MAIL FROM:" + from, "MAIL FROM", from + ": ", report)
                    && command(transport, "RSET", "RSET", "", report);
        } finally {
            try {
                transport.close();
            } catch (MessagingException e) {
                // QUIT is a courtesy; the checks are done
            }
        }
    }

    /** Reports greeting, EHLO, STARTTLS, TLS and AUTH from the recorded dialogue; false at the first failure. */
    private boolean connectSteps(DoctorTransport transport, SmtpSockets sockets, Exception failure,
            Consumer<Step> report) {
        List<DoctorTransport.Exchange> dialogue = transport.dialogue();
        if (smtp.security() == SmtpSecurity.TLS && !dialogue.isEmpty()) {
            report.accept(Step.ok("TLS handshake", tlsDetail(sockets.lastTlsSocket())));
        }
        for (int i = 0; i < dialogue.size(); i++) {
            DoctorTransport.Exchange e = dialogue.get(i);
            String name = stepName(e.command(), e.tls());
            if (e.code() != expected(e.command())) {
                if (e.code() < 200) { // no answer: the failure below says why
                    break;
                }
                report.accept(Step.fail(name, oneLine(e.reply()), rule(failure, e)));
                return false;
            }
            report.accept(Step.ok(name, detail(e)));
            if ("STARTTLS".equalsIgnoreCase(e.command()) && (transport.startedTls() || i < dialogue.size() - 1)) {
                report.accept(Step.ok("TLS handshake", tlsDetail(sockets.lastTlsSocket())));
            }
        }
        if (failure == null) {
            return true;
        }
        DeliveryFailure f = classifier.classifyFailure(failure);
        FailureCondition condition = f.rule() == null ? null : f.rule().condition();
        String step;
        String detail = f.reason();
        if (condition == FailureCondition.STARTTLS_NOT_OFFERED) {
            step = "STARTTLS";
        } else if (condition == FailureCondition.TLS_UNTRUSTED || condition == FailureCondition.TLS_WRONG_HOST
                || condition == FailureCondition.TLS_FAILED) {
            step = "TLS handshake";
            String names = certificateNames(sockets.lastTlsSocket());
            if (names != null) {
                detail += "; the certificate is for " + names + ", relay.smtp.host is " + smtp.host();
            }
        } else if (transport.unanswered() != null) {
            step = stepName(transport.unanswered(), transport.startedTls());
        } else if (dialogue.isEmpty()) {
            step = "greeting";
        } else {
            step = stepName(dialogue.get(dialogue.size() - 1).command(), transport.startedTls());
        }
        report.accept(Step.fail(step, detail, f.rule()));
        return false;
    }

    /** MAIL FROM or RSET after the sign-in: the server must answer 250. */
    private boolean command(DoctorTransport transport, String command, String name, String prefix,
            Consumer<Step> report) {
        try {
            int code = transport.simpleCommand(command);
            String reply = oneLine(transport.getLastServerResponse());
            if (code != 250) {
                report.accept(Step.fail(name, prefix + reply, code < 200 ? null
                        : classifier.ruleFor(code, reply).orElse(null)));
                return false;
            }
            report.accept(Step.ok(name, prefix + reply));
            return true;
        } catch (MessagingException e) {
            DeliveryFailure f = classifier.classifyFailure(e);
            report.accept(Step.fail(name, f.reason(), f.rule()));
            return false;
        }
    }

    private ReplyRule rule(Exception failure, DoctorTransport.Exchange refused) {
        if (failure != null) {
            DeliveryFailure f = classifier.classifyFailure(failure);
            if (f.rule() != null && f.code() == refused.code()) {
                return f.rule();
            }
        }
        return classifier.ruleFor(refused.code(), refused.reply()).orElse(null);
    }

    private boolean failed(Consumer<Step> report, String step, String detail, FailureCondition condition) {
        report.accept(Step.fail(step, detail, classifier.condition(condition, detail).rule()));
        return false;
    }

    private static int expected(String command) {
        if (command == null) {
            return 220; // the greeting
        }
        String verb = command.split(" ", 2)[0].toUpperCase(Locale.ROOT);
        return switch (verb) {
            case "STARTTLS" -> 220;
            case "AUTH" -> 235;
            case "QUIT" -> 221;
            default -> 250;
        };
    }

    private static String stepName(String command, boolean tls) {
        if (command == null) {
            return "greeting";
        }
        String upper = command.toUpperCase(Locale.ROOT);
        if (upper.startsWith("EHLO") || upper.startsWith("HELO")) {
            return upper.substring(0, 4) + (tls ? " (over TLS)" : "");
        }
        if (upper.startsWith("AUTH")) {
            return DoctorTransport.visible(command);
        }
        return command;
    }

    /** What a successful exchange showed: EHLO's extensions, else the reply. */
    private static String detail(DoctorTransport.Exchange e) {
        if (e.command() != null && e.command().toUpperCase(Locale.ROOT).startsWith("EHLO")) {
            List<String> lines = Arrays.stream(e.reply().split("\\R")).map(l -> l.length() > 4 ? l.substring(4) : "")
                    .toList();
            return lines.size() < 2 ? "no extensions" : "offers " + String.join(", ", lines.subList(1, lines.size()));
        }
        return oneLine(e.reply());
    }

    private static String oneLine(String reply) {
        return reply == null ? "" : reply.replaceAll("\\R", " ").trim();
    }

    /** Protocol, cipher, and whom the certificate is for, by whom, until when. */
    private String tlsDetail(SSLSocket socket) {
        if (socket == null) {
            return "done";
        }
        SSLSession session = socket.getSession();
        StringBuilder d = new StringBuilder(session.getProtocol() + " " + session.getCipherSuite());
        X509Certificate cert = peer(session);
        if (cert != null) {
            d.append("; certificate for ").append(certificateNames(socket))
                    .append(", issued by ").append(cert.getIssuerX500Principal().getName())
                    .append(", valid until ").append(cert.getNotAfter().toInstant().truncatedTo(ChronoUnit.DAYS))
                    .append("; trusted, and it names ").append(smtp.host());
        }
        return d.toString();
    }

    /** The names a server's certificate is for (its DNS and IP subject alternative names, else its subject). */
    private static String certificateNames(SSLSocket socket) {
        if (socket == null) {
            return null;
        }
        X509Certificate cert = peer(socket.getSession());
        if (cert == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = cert.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> name : alternatives) {
                    if (name.size() > 1 && (Integer.valueOf(2).equals(name.get(0)) || Integer.valueOf(7).equals(name.get(0)))) {
                        names.add(String.valueOf(name.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // fall back to the subject
        }
        return names.isEmpty() ? cert.getSubjectX500Principal().getName() : String.join(", ", names);
    }

    private static X509Certificate peer(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static String minutes(Instant instant) {
        return instant == null ? "unknown" : instant.truncatedTo(ChronoUnit.MINUTES).toString();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
