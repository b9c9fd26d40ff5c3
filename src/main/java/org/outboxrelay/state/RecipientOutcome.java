package org.outboxrelay.state;

import java.time.Instant;
import java.util.Locale;

/**
 * What became of one recipient of a job besides the SMTP server's acceptance: a bounce or delay a report told
 * of later, a complaint, or the suppression that kept the job from being sent to it. {@code statusCode} is the
 * enhanced status code (5.1.1), {@code action} the DSN's Action (failed, delayed), {@code detail} the
 * diagnostic or the suppression's reason; {@code reportId} the Message-ID of the report ("" for a
 * suppression).
 */
public record RecipientOutcome(String account, String jobId, String address, Kind kind, String statusCode,
        String action, String detail, String reportId, Instant at) {

    /** The outcomes, as the status API and the events name them. */
    public enum Kind {
        BOUNCED, DELAYED, COMPLAINED, SUPPRESSED;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind of(String id) {
            return valueOf(id.toUpperCase(Locale.ROOT));
        }
    }

    public RecipientOutcome {
        account = account.toLowerCase(Locale.ROOT);
        reportId = reportId == null ? "" : reportId;
    }
}
