package org.outboxrelay.delivery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
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
import org.outboxrelay.state.StateStoreException;

/**
 * Decides what a failure means: transient (try again later), permanent (dead letter) or account-level (pause
 * the account). It digs the SMTP reply out of wherever Jakarta Mail put it: a refused RCPT arrives as a plain
 * {@code SendFailedException} with the codes in its chain of next exceptions, a refused sign-in as an
 * {@code AuthenticationFailedException} whose message is the server's reply.
 */
public class SmtpReplyClassifier {

    private static final Pattern REPLY = Pattern.compile("^\\s*([2-5]\\d\\d)[ -]?(?:([2-5]\\.\\d{1,3}\\.\\d{1,3})\\b)?");
    private static final Pattern ENHANCED = Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    /** Microsoft replies that are about the account, not the message (see README, Outlook.com section). */
    private static final List<Pattern> ACCOUNT_REPLIES = List.of(
            Pattern.compile("\\b5\\.7\\.139\\b"), // basic authentication disabled / sign-in refused
            Pattern.compile("\\b5\\.7\\.3\\b"), // authentication unsuccessful
            Pattern.compile("\\b5\\.7\\.60\\b"), // SendAsDenied: From is not the account
            Pattern.compile("\\b5\\.2\\.252\\b"), // SendAsDenied
            Pattern.compile("\\b5\\.2\\.25[1-5]\\b"), // sender throttled due to continuous errors
            Pattern.compile("(?i)SendAsDenied"),
            Pattern.compile("(?i)OutboundSpamException"),
            Pattern.compile("(?i)RefuseQuota"),
            Pattern.compile("(?i)SubmissionQuotaExceeded"),
            Pattern.compile("^432\\b"), // 432 4.3.2 concurrent connections limit exceeded
            Pattern.compile("(?i)concurrent connections limit"));

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
        if (!replies.isEmpty()) {
            return fromReplies(replies);
        }

        for (Throwable t : chain(failure)) {
            if (t instanceof MailConnectException || t instanceof ConnectException
                    || t instanceof NoRouteToHostException) {
                return transientFailure("cannot connect to the SMTP server: " + message(t));
            }
            if (t instanceof UnknownHostException) {
                return transientFailure("unknown SMTP host: " + message(t));
            }
            if (t instanceof SSLException) {
                return new DeliveryFailure(FailureKind.ACCOUNT, 0, null, null,
                        "TLS with the SMTP server failed (certificate or host name not trusted?): " + message(t));
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return transientFailure("the SMTP server did not answer in time: " + message(t));
            }
            if (t instanceof SocketException || t instanceof IOException) {
                return transientFailure("the SMTP connection failed: " + message(t));
            }
            if (t instanceof StateStoreException) {
                return transientFailure("the job store is unavailable: " + message(t));
            }
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof MessagingException && message(t).contains("STARTTLS")) {
                return new DeliveryFailure(FailureKind.ACCOUNT, 0, null, null,
                        "the SMTP server does not offer STARTTLS, which relay.smtp.security=starttls requires: "
                                + message(t));
            }
        }
        return transientFailure(failure.getClass().getSimpleName() + ": " + message(failure));
    }

    private DeliveryFailure fromReplies(List<Reply> replies) {
        // Account-level replies win: they say nothing about this message.
        for (Reply r : replies) {
            if (isAccountLevel(r)) {
                return new DeliveryFailure(FailureKind.ACCOUNT, r.code, r.enhanced, r.text,
                        "the account cannot send right now: " + r.text);
            }
        }
        List<Reply> recipients = replies.stream().filter(r -> r.address != null).toList();
        if (!recipients.isEmpty()) {
            // Refused at RCPT TO: permanent only if every refusal is permanent.
            boolean anyTransient = recipients.stream().anyMatch(r -> r.code / 100 == 4);
            Reply first = recipients.stream().filter(r -> anyTransient == (r.code / 100 == 4)).findFirst()
                    .orElse(recipients.get(0));
            String detail = String.join("; ", recipients.stream().map(r -> r.address + ": " + r.text).toList());
            List<SendResult.Refusal> refusals = recipients.stream()
                    .map(r -> new SendResult.Refusal(r.address, r.code, r.text)).toList();
            return anyTransient
                    ? new DeliveryFailure(FailureKind.TRANSIENT, first.code, first.enhanced, first.text,
                            "recipient deferred: " + detail, null, refusals)
                    : new DeliveryFailure(FailureKind.PERMANENT, first.code, first.enhanced, first.text,
                            "recipient refused: " + detail, null, refusals);
        }
        Reply r = replies.get(0);
        if (r.code == 421 || r.code / 100 == 4) {
            return new DeliveryFailure(FailureKind.TRANSIENT, r.code, r.enhanced, r.text,
                    r.stage + " deferred by the SMTP server: " + r.text);
        }
        if (r.code == 530 || r.code == 534 || r.code == 535 || r.code == 538) {
            return new DeliveryFailure(FailureKind.ACCOUNT, r.code, r.enhanced, r.text,
                    "the SMTP server refused the sign-in: " + r.text);
        }
        return permanent(r.code, r.enhanced, r.text, r.stage + " refused by the SMTP server: " + r.text);
    }

    private static boolean isAccountLevel(Reply r) {
        for (Pattern p : ACCOUNT_REPLIES) {
            if (p.matcher(r.text).find()) {
                return true;
            }
        }
        return false;
    }

    private record Reply(int code, String enhanced, String text, String address, String stage) {
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
                    : ".".equals(command) || "DATA".equals(command) ? "message (DATA)" : "message";
            return reply(e.getReturnCode(), e.getMessage(), null, stage);
        }
        if (t instanceof AuthenticationFailedException e && e.getMessage() != null) {
            Matcher m = REPLY.matcher(e.getMessage());
            if (m.find()) {
                return reply(Integer.parseInt(m.group(1)), e.getMessage(), null, "sign-in");
            }
            return new Reply(535, null, e.getMessage().trim(), null, "sign-in");
        }
        if (t instanceof MessagingException && t.getMessage() != null) {
            Matcher m = REPLY.matcher(t.getMessage());
            if (m.find() && t.getMessage().trim().length() > 3) {
                return reply(Integer.parseInt(m.group(1)), t.getMessage(), null, "message");
            }
        }
        return null;
    }

    private static Reply reply(int code, String message, String address, String stage) {
        String text = message == null ? String.valueOf(code) : message.trim();
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

    private static String message(Throwable t) {
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
