package org.outboxrelay.bounce;

import java.util.List;
import java.util.Set;

/**
 * What a message in the account's mailbox says, as {@link ReportParser} reads it: its kind, its own Message-ID,
 * the Message-IDs it may be about (the returned message's, In-Reply-To, References, X-Original-Message-ID, those
 * quoted in its text), and per recipient the status it reports. For a complaint, the complained-about recipient
 * when the report names it, and the returned message's List-Unsubscribe (whose token names it too).
 */
public record ParsedReport(Kind kind, String reportId, String subject, List<RecipientStatus> recipients,
        Set<String> originalMessageIds, List<String> addressesInText, String feedbackType,
        String returnedListUnsubscribe, String why) {

    /** The shapes the reader knows. */
    public enum Kind {
        /** RFC 3464 multipart/report; report-type=delivery-status (Postfix, Gmail, Exchange Online, ...). */
        DELIVERY_STATUS,
        /** A non-delivery report with no machine-readable part (Exchange's X-MS-Exchange-Message-Is-Ndr, text). */
        NDR_TEXT,
        /** RFC 5965 multipart/report; report-type=feedback-report (Outlook.com JMRP, other feedback loops). */
        COMPLAINT,
        /** Anything else: out-of-office replies (RFC 3834), read receipts, people's replies. */
        NOT_A_REPORT
    }

    /**
     * One recipient of a delivery status notification: the address the relay sent to (Original-Recipient, else
     * Final-Recipient), the Action (failed, delayed, delivered, relayed, expanded), the Status (5.1.1) and the
     * Diagnostic-Code without its type ("smtp;").
     */
    public record RecipientStatus(String address, String action, String status, String diagnostic) {
    }

    public ParsedReport {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
        originalMessageIds = originalMessageIds == null ? Set.of() : Set.copyOf(originalMessageIds);
        addressesInText = addressesInText == null ? List.of() : List.copyOf(addressesInText);
    }

    static ParsedReport notAReport(String reportId, String subject, String why) {
        return new ParsedReport(Kind.NOT_A_REPORT, reportId, subject, List.of(), Set.of(), List.of(), null, null, why);
    }
}
