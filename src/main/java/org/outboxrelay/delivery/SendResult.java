package org.outboxrelay.delivery;

import java.util.List;

/**
 * What the SMTP server said to one message: which recipients it accepted, which it refused for good (5xx) and
 * which only for now (4xx, to be tried again), and its final reply.
 */
public record SendResult(List<String> accepted, List<Refusal> refused, List<Refusal> deferred, int replyCode,
        String reply) {

    /** One recipient the server did not take, with its reply. */
    public record Refusal(String address, int code, String reply) {
    }

    public SendResult {
        accepted = List.copyOf(accepted);
        refused = List.copyOf(refused);
        deferred = List.copyOf(deferred);
    }

    public boolean hasDeferred() {
        return !deferred.isEmpty();
    }
}
