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

    /** The results of the several messages of one job as one: the last reply stands for all. */
    public static SendResult combine(List<SendResult> parts, String noneReply) {
        if (parts.isEmpty()) {
            return new SendResult(List.of(), List.of(), List.of(), 250, noneReply);
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        List<String> accepted = new java.util.ArrayList<>();
        List<Refusal> refused = new java.util.ArrayList<>();
        List<Refusal> deferred = new java.util.ArrayList<>();
        for (SendResult p : parts) {
            accepted.addAll(p.accepted());
            refused.addAll(p.refused());
            deferred.addAll(p.deferred());
        }
        SendResult last = parts.get(parts.size() - 1);
        return new SendResult(accepted, refused, deferred, last.replyCode(), last.reply());
    }
}
