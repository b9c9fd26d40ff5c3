package org.outboxrelay.state;

import java.time.Instant;
import java.util.List;

/** Outcomes written straight into a job store, as the delivery route writes them, for tests of what reads them. */
public final class StoreFixtures {

    private StoreFixtures() {
    }

    public static NewJob job(String id, String channel, String admission) {
        return NewJob.bare(id, channel, admission, "test-node");
    }

    public static boolean failed(JobStateStore store, String id, String admission, int attempts, String reason,
            String smtpReply) {
        return store.record(new JobOutcome(id, admission, JobStatus.FAILED, attempts, null, null, smtpReply, reason,
                null, null, null, List.of(), "test-node", Instant.now()));
    }

    public static boolean sent(JobStateStore store, String id, String admission, int attempts, String messageId,
            String reply, int accepted, String refusedJson, List<String> recipients, Instant at) {
        return store.record(new JobOutcome(id, admission, JobStatus.SENT, attempts, messageId, null, reply, null, null,
                accepted, refusedJson, recipients.stream().map(a -> new RecipientState(a, RecipientState.SENT, null))
                        .toList(), "test-node", at));
    }

    public static boolean deferred(JobStateStore store, String id, String admission, int attempts,
            Instant nextAttemptAt, String reply, String reason) {
        return store.record(new JobOutcome(id, admission, JobStatus.DEFERRED, attempts, null, null, reply, reason,
                nextAttemptAt, null, null, List.of(), "test-node", Instant.now()));
    }
}
