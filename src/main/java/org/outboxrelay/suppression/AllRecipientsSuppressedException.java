package org.outboxrelay.suppression;

import java.util.List;

import org.outboxrelay.job.SuppressedRecipient;

/** Every recipient of the job is on the suppression list: the job fails for good, sent to nobody. */
public class AllRecipientsSuppressedException extends Exception {

    private final List<SuppressedRecipient> recipients;

    public AllRecipientsSuppressedException(List<SuppressedRecipient> recipients) {
        super("every recipient is on the suppression list, nothing was sent: " + String.join(", ",
                recipients.stream().map(r -> r.address() + " (" + r.reason() + ")").toList()));
        this.recipients = List.copyOf(recipients);
    }

    public List<SuppressedRecipient> recipients() {
        return recipients;
    }
}
