package org.outboxrelay.state;

import java.util.List;

/**
 * A job as it is admitted: its id, the channel it came by, the admission token of the copy being admitted, and
 * what the store keeps to search and to account for it - the sending account, its From, subject and envelope
 * recipients (lower case) - and the relay that admitted it.
 */
public record NewJob(String id, String channel, String admission, String account, String from, String subject,
        List<String> recipients, String node) {

    public NewJob {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }

    /** A job known only by id and channel (an invalid one, or one admitted before anything was read of it). */
    public static NewJob bare(String id, String channel, String admission, String node) {
        return new NewJob(id, channel, admission, null, null, null, List.of(), node);
    }
}
