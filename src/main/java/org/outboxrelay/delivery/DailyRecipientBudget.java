package org.outboxrelay.delivery;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.state.RecipientBudget;

/**
 * relay.limits.recipients-per-day: recipients are taken from the day's budget (UTC) before each message is
 * sent. When it is used up, the account pauses until 00:00 UTC and the jobs simply wait on the queue. The
 * budget is kept in the state database, so it holds across restarts. A message that fails gives its
 * recipients back.
 */
public class DailyRecipientBudget {

    private final RecipientBudget budget;
    private final int limit;
    private final Clock clock;

    public DailyRecipientBudget(RecipientBudget budget, int limit, Clock clock) {
        this.budget = budget;
        this.limit = limit;
        this.clock = clock;
    }

    public void reserve(@Body OutgoingMessage message, @ExchangeProperty("job") QueuedJob job) throws Exception {
        if (limit <= 0) {
            return;
        }
        int n = message.getEnvelopeRecipients().size();
        if (n > limit) {
            throw new RecipientLimitExceededException(n + " recipients in one message, more than the whole daily"
                    + " budget relay.limits.recipients-per-day (" + limit + "); lower relay.limits.recipients-per-message");
        }
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        if (!budget.reserve(today, n, limit)) {
            Instant midnight = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            throw new AccountPausedException("the daily budget of " + limit + " recipients"
                    + " (relay.limits.recipients-per-day) is used up until 00:00 UTC", midnight, true);
        }
        job.setReservedRecipients(n);
    }

    /** After a failure: gives back what the message that did not go out had taken. */
    public void refundReserved(@ExchangeProperty("job") QueuedJob job) {
        if (job != null && job.getReservedRecipients() > 0) {
            budget.refund(LocalDate.now(clock.withZone(ZoneOffset.UTC)), job.getReservedRecipients());
            job.setReservedRecipients(0);
        }
    }

    public int limit() {
        return limit;
    }

    public int usedToday() {
        return budget.used(LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    }
}
