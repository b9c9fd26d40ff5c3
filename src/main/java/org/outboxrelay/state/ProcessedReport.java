package org.outboxrelay.state;

import java.time.Instant;
import java.util.Locale;

/** A report the bounce reader has looked at, and what it did with it. */
public record ProcessedReport(String account, String reportId, Outcome outcome, String jobId, String detail,
        Instant at) {

    /** What the reader did. Only {@link #HANDLED} reports are moved out of the mailbox. */
    public enum Outcome {
        /** Recorded on its job, event published, moved to relay.bounces.processed-folder. */
        HANDLED,
        /** A report about no job the relay knows (never sent by it, or forgotten): left in the mailbox. */
        UNCORRELATED,
        /** Not a bounce, delay or complaint (an out-of-office reply, say): left in the mailbox. */
        NOT_A_REPORT,
        /** A report whose MIME structure cannot be read: left in the mailbox. */
        UNREADABLE;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Outcome of(String id) {
            return valueOf(id.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    public ProcessedReport {
        account = account.toLowerCase(Locale.ROOT);
    }
}
