package org.outboxrelay.delivery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;

import org.apache.camel.Exchange;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.util.MailConnectException;
import org.outboxrelay.job.InvalidJobException;
import org.outboxrelay.provider.OAuthException;
import org.outboxrelay.replies.FailureCondition;
import org.outboxrelay.replies.ReplyAction;
import org.outboxrelay.replies.ReplyRule;
import org.outboxrelay.replies.ReplyTable;
import org.outboxrelay.state.StateStoreException;

/**
 * Decides what a failure means: transient (try again later), permanent (dead letter) or account-level (pause
 * the account). What each SMTP reply - and each failure without one: a refused, lost or stalled connection, TLS
 * that cannot be trusted - means is data, the {@link ReplyTable} of the provider; this class digs the reply out of
 * wherever Jakarta Mail put it (a refused RCPT arrives as a plain {@code SendFailedException} with the codes in its
 * chain of next exceptions, a refused sign-in as an {@code AuthenticationFailedException} whose message is the
 * server's reply, a connection the server dropped as a "reply" {@code [EOF]} with code -1) and looks it up.
 */
public class SmtpReplyClassifier {

    private static final Pattern REPLY = Pattern.compile("^\\s*([2-5]\\d\\d)[ -]?(?:([2-5]\\.\\d{1,3}\\.\\d{1,3})\\b)?");
    private static final Pattern ENHANCED = Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b");
    /** Angus Mail's message for a greeting other than 220: "Got bad greeting from SMTP host: h, port: p, response: r". */
    private static final Pattern BAD_GREETING = Pattern.compile("Got bad greeting from SMTP host: .*?response: (.*)$",
            Pattern.DOTALL);
    /** What Angus Mail records as the "reply" when the server closed the connection instead of answering. */
    private static final String EOF = "[EOF]";

    private final ReplyTable table;

    /** With every reply table (see {@link ReplyTable}). */
    public SmtpReplyClassifier() {
        this(ReplyTable.all());
    }

    public SmtpReplyClassifier(ReplyTable table) {
        this.table = table;
    }

    /** Classifies the exception a route caught (Camel sets it as an exchange property). */
    public DeliveryFailure classify(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (t == null) {
            t = exchange.getException();
        }
        return classifyFailure(t);
    }

    public DeliveryFailure classifyFailure(Throwable failure) {
        if (failure == null) {
            return new DeliveryFailure(FailureKind.TRANSIENT, 0, null, null, "unknown failure");
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof InvalidJobException e) {
                return permanent(0, null, null, "invalid job: " + e.getMessage());
            }
            if (t instanceof SenderNotAllowedException e) {
                return permanent(0, null, null, e.getMessage());
            }
            if (t instanceof RecipientLimitExceededException e) {
                return permanent(0, null, null, e.getMessage());
            }
            if (t instanceof AccountPausedException e) {
                return new DeliveryFailure(FailureKind.ACCOUNT, 0, null, null, e.getMessage(), e.until());
            }
            if (t instanceof org.outboxrelay.suppression.AllRecipientsSuppressedException e) {
                return new DeliveryFailure(FailureKind.PERMANENT, 0, null, null, e.getMessage(), null,
                        e.recipients().stream().map(r -> new SendResult.Refusal(r.address(), 0,
                                "suppressed: " + r.reason())).toList());
            }
            if (t instanceof org.outboxrelay.unsubscribe.UnsubscribeNotConfiguredException e) {
                return permanent(0, null, null, e.getMessage());
            }
            if (t instanceof SmtpUtf8NotOfferedException e) {
                return permanent(0, null, null, e.getMessage());
            }
            if (t.getClass().getName().equals("org.outboxrelay.template.TemplateFailedException")) {
                return permanent(0, null, null, t.getMessage());
            }
        }

        // The SMTP replies, in the order Jakarta Mail nested them.
        List<Reply> replies = new ArrayList<>();
        for (Throwable t : chain(failure)) {
            Reply r = replyOf(t);
            if (r != null) {
                replies.add(r);
            }
        }
        // the server closed the connection instead of answering: not an answer, and never permanent
        for (Reply r : replies) {
            if (!r.isReply()) {
                return condition(FailureCondition.CONNECTION_LOST, "the SMTP connection was lost"
                        + (r.stage == null ? "" : " at " + r.stage) + ": the server closed it without an answer");
            }
        }
        if (!replies.isEmpty()) {
            return fromReplies(replies);
        }
        return withoutReply(failure);
    }

    /** A failure without an SMTP reply: network, TLS, the token endpoint, the job store. */
    private DeliveryFailure withoutReply(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof UnknownHostException) {
                return condition(FailureCondition.UNKNOWN_HOST, "unknown SMTP host: " + message(t));
            }
            if (t instanceof MailConnectException) {
                boolean timedOut = chain(t).stream().anyMatch(c -> c instanceof SocketTimeoutException);
                return condition(timedOut ? FailureCondition.CONNECT_TIMEOUT : FailureCondition.CONNECTION_REFUSED,
                        "cannot connect to the SMTP server" + (timedOut ? " in time" : "") + ": " + message(t));
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return condition(FailureCondition.CONNECTION_REFUSED, "cannot connect to the SMTP server: "
                        + message(t));
            }
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof SSLException) {
                return condition(tlsCondition(failure), "TLS with the SMTP server failed: " + message(t));
            }
            if (message(t).startsWith("Can't verify identity of server")) {
                // Angus Mail's own host name check (mail.smtp.ssl.checkserveridentity)
                return condition(FailureCondition.TLS_WRONG_HOST, "TLS with the SMTP server failed: its certificate"
                        + " is not for that host name (" + message(t) + ")");
            }
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof OAuthException) {
                return condition(FailureCondition.OAUTH_UNAVAILABLE, "cannot get an OAuth2 access token: "
                        + message(t));
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return condition(FailureCondition.NO_ANSWER, "the SMTP server did not answer in time: "
                        + message(t));
            }
            if (t instanceof SocketException || t instanceof IOException) {
                return condition(FailureCondition.CONNECTION_LOST, "the SMTP connection was lost: " + message(t));
            }
            if (t instanceof StateStoreException) {
                return transientFailure("the job store is unavailable: " + message(t));
            }
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof MessagingException && message(t).contains("STARTTLS")) {
                return condition(FailureCondition.STARTTLS_NOT_OFFERED,
                        "the SMTP server does not offer STARTTLS, which relay.smtp.security=starttls requires: "
                                + message(t));
            }
        }
        return transientFailure(failure.getClass().getSimpleName() + ": " + message(failure));
    }

    /** Why TLS failed: a certificate nobody vouches for, a certificate for another name, or the handshake itself. */
    static FailureCondition tlsCondition(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                    || message(t).contains("PKIX path") || message(t).contains("unable to find valid certification path")) {
                return FailureCondition.TLS_UNTRUSTED;
            }
            if (t instanceof CertificateException && (message(t).contains("No subject alternative")
                    || message(t).contains("No name matching"))) {
                return FailureCondition.TLS_WRONG_HOST;
            }
        }
        return FailureCondition.TLS_FAILED;
    }

    /** The failure as the reply table treats {@code condition}; transient when the table has no rule for it. */
    public DeliveryFailure condition(FailureCondition condition, String reason) {
        ReplyRule rule = table.match(condition).orElse(null);
        FailureKind kind = rule == null ? FailureKind.TRANSIENT : kind(rule.action());
        return new DeliveryFailure(kind, 0, null, null, reason, null, null, rule);
    }

    /** The rule of the reply table for a reply, or empty (a reply no rule covers). */
    public java.util.Optional<ReplyRule> ruleFor(int code, String text) {
        Reply r = reply(code, text, null, null);
        return table.match(r.code, r.enhanced, r.text);
    }

    private DeliveryFailure fromReplies(List<Reply> replies) {
        // Account-level replies win: they say nothing about this message.
        for (Reply r : replies) {
            ReplyRule rule = rule(r);
            if (rule != null && rule.action() == ReplyAction.PAUSE) {
                return new DeliveryFailure(FailureKind.ACCOUNT, r.code, r.enhanced, r.text,
                        "the account cannot send now, " + uncapitalized(rule.meaning()) + ": " + r.text, null, null,
                        rule);
            }
        }
        List<Reply> recipients = replies.stream().filter(r -> r.address != null).toList();
        if (!recipients.isEmpty()) {
            // Refused at RCPT TO: permanent only if every refusal is permanent.
            boolean anyTransient = recipients.stream().anyMatch(r -> kindOf(r) == FailureKind.TRANSIENT);
            Reply first = recipients.stream().filter(r -> anyTransient == (kindOf(r) == FailureKind.TRANSIENT))
                    .findFirst().orElse(recipients.get(0));
            String detail = String.join("; ", recipients.stream().map(r -> r.address + ": " + r.text).toList());
            List<SendResult.Refusal> refusals = recipients.stream()
                    .map(r -> new SendResult.Refusal(r.address, r.code, r.text)).toList();
            return anyTransient
                    ? new DeliveryFailure(FailureKind.TRANSIENT, first.code, first.enhanced, first.text,
                            "recipient deferred: " + detail, null, refusals, rule(first))
                    : new DeliveryFailure(FailureKind.PERMANENT, first.code, first.enhanced, first.text,
                            "recipient refused: " + detail, null, refusals, rule(first));
        }
        Reply r = replies.get(0);
        if ("greeting".equals(r.stage) && r.code / 100 == 5) {
            // a refused session says nothing about the message: the table's rule for that, with the reply
            ReplyRule refused = table.match(FailureCondition.SESSION_REFUSED).orElse(null);
            return new DeliveryFailure(refused == null ? FailureKind.ACCOUNT : kind(refused.action()), r.code,
                    r.enhanced, r.text, "the SMTP server refused the connection in its greeting: " + r.text, null,
                    null, refused);
        }
        ReplyRule rule = rule(r);
        FailureKind kind = kindOf(r);
        String verb = kind == FailureKind.TRANSIENT ? " deferred by the SMTP server: " : " refused by the SMTP server: ";
        return new DeliveryFailure(kind, r.code, r.enhanced, r.text, r.stage + verb + r.text, null, null, rule);
    }

    private ReplyRule rule(Reply r) {
        return table.match(r.code, r.enhanced, r.text).orElse(null);
    }

    /** The table's verdict on a reply; without a rule, the reply code's class decides (4xx transient). */
    private FailureKind kindOf(Reply r) {
        ReplyRule rule = rule(r);
        if (rule != null) {
            return kind(rule.action());
        }
        return r.code / 100 == 5 ? FailureKind.PERMANENT : FailureKind.TRANSIENT;
    }

    private static FailureKind kind(ReplyAction action) {
        return switch (action) {
            case TRANSIENT -> FailureKind.TRANSIENT;
            case PERMANENT -> FailureKind.PERMANENT;
            case PAUSE -> FailureKind.ACCOUNT;
        };
    }

    private static String uncapitalized(String s) {
        String t = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        return t.isEmpty() || (t.length() > 1 && Character.isUpperCase(t.charAt(1))) ? t
                : Character.toLowerCase(t.charAt(0)) + t.substring(1);
    }

    private record Reply(int code, String enhanced, String text, String address, String stage) {
        /** False for what Angus Mail records when the connection closed instead of an answer (code -1, [EOF]). */
        boolean isReply() {
            return code >= 200 && code <= 599 && !text.endsWith(EOF);
        }
    }

    private static Reply replyOf(Throwable t) {
        if (t instanceof SMTPAddressFailedException e) {
            return reply(e.getReturnCode(), e.getMessage(), e.getAddress().getAddress(), "recipient");
        }
        if (t instanceof SMTPSenderFailedException e) {
            return reply(e.getReturnCode(), e.getMessage(), null, "sender (MAIL FROM)");
        }
        if (t instanceof SMTPSendFailedException e) {
            String command = e.getCommand() == null ? "" : e.getCommand().toUpperCase(java.util.Locale.ROOT);
            String stage = command.startsWith("MAIL FROM") ? "sender (MAIL FROM)"
                    : "DATA".equals(command) ? "message (DATA)"
                    : ".".equals(command) ? "message (end of data)" : "message";
            return reply(e.getReturnCode(), e.getMessage(), null, stage);
        }
        if (t instanceof AuthenticationFailedException e && e.getMessage() != null) {
            Matcher m = REPLY.matcher(e.getMessage());
            if (m.find()) {
                return reply(Integer.parseInt(m.group(1)), e.getMessage(), null, "sign-in");
            }
            if (e.getMessage().isBlank() || e.getMessage().trim().equals(EOF)) {
                return new Reply(-1, null, EOF, null, "sign-in");
            }
            return new Reply(535, null, e.getMessage().trim(), null, "sign-in");
        }
        if (t instanceof MessagingException && t.getMessage() != null) {
            Matcher greeting = BAD_GREETING.matcher(t.getMessage());
            if (greeting.find()) {
                String response = greeting.group(1).trim();
                Matcher m = REPLY.matcher(response);
                return m.find() ? reply(Integer.parseInt(m.group(1)), response, null, "greeting")
                        : new Reply(-1, null, EOF, null, "greeting");
            }
            if (t.getMessage().trim().equals(EOF)) {
                return new Reply(-1, null, EOF, null, null);
            }
            Matcher m = REPLY.matcher(t.getMessage());
            if (m.find() && t.getMessage().trim().length() > 3) {
                // a reply to EHLO, STARTTLS or another command of the session, not to the message
                return reply(Integer.parseInt(m.group(1)), t.getMessage(), null, "connection");
            }
        }
        return null;
    }

    private static Reply reply(int code, String message, String address, String stage) {
        String text = message == null || message.isBlank() ? String.valueOf(code) : message.trim();
        if (code <= 0 || text.equals(EOF)) {
            return new Reply(-1, null, EOF, address, stage);
        }
        if (!text.startsWith(String.valueOf(code)) && code > 0) {
            text = code + " " + text;
        }
        Matcher m = ENHANCED.matcher(text);
        return new Reply(code, m.find() ? m.group(1) : null, text, address, stage);
    }

    private static DeliveryFailure permanent(int code, String enhanced, String reply, String reason) {
        return new DeliveryFailure(FailureKind.PERMANENT, code, enhanced, reply, reason);
    }

    private static DeliveryFailure transientFailure(String reason) {
        return new DeliveryFailure(FailureKind.TRANSIENT, 0, null, null, reason);
    }

    static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().trim();
    }

    /** The exception, its causes and Jakarta Mail's next exceptions, each once. */
    static List<Throwable> chain(Throwable start) {
        List<Throwable> out = new ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        List<Throwable> todo = new ArrayList<>(List.of(start));
        while (!todo.isEmpty()) {
            Throwable t = todo.remove(0);
            if (t == null || seen.put(t, Boolean.TRUE) != null) {
                continue;
            }
            out.add(t);
            if (t instanceof MessagingException m && m.getNextException() != null) {
                todo.add(m.getNextException());
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
        }
        return out;
    }
}
