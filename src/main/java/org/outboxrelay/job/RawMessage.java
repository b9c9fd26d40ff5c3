package org.outboxrelay.job;

import java.util.List;

import jakarta.mail.internet.InternetAddress;

/**
 * What the relay needs to know of a complete RFC 5322 message (an .eml file, or a message/rfc822 job):
 * who it is from, who receives it (To, Cc and Bcc), and its Message-ID if it has one. {@code originators} are
 * every address the message claims to come from - From, Sender, Resent-From and Resent-Sender, in that order -
 * each of which the account must be allowed to send as.
 */
public record RawMessage(InternetAddress from, List<InternetAddress> recipients, String messageId, String subject,
        List<Originator> originators) {

    /** An address of an originator header ({@code From}, {@code Sender}, {@code Resent-From}, {@code Resent-Sender}). */
    public record Originator(String header, InternetAddress address) {
    }

    public RawMessage {
        recipients = List.copyOf(recipients);
        originators = originators == null ? List.of(new Originator("From", from)) : List.copyOf(originators);
    }

    public RawMessage(InternetAddress from, List<InternetAddress> recipients, String messageId, String subject) {
        this(from, recipients, messageId, subject, null);
    }
}
