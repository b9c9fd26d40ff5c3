package org.outboxrelay.job;

import java.util.List;

import jakarta.mail.internet.InternetAddress;

/**
 * What the relay needs to know of a complete RFC 5322 message (an .eml file, or a message/rfc822 job):
 * who it is from, who receives it (To, Cc and Bcc), and its Message-ID if it has one.
 */
public record RawMessage(InternetAddress from, List<InternetAddress> recipients, String messageId, String subject) {
}
