package org.outboxrelay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says why jobs wait when the account is busy ({@link AccountBusyException}): the first postponement of each
 * cause is logged at once, then at most one line per cause and {@code every}, with how many jobs were postponed
 * since the line before (the jobs of a burst's last minute are in the metric, not in a line of their own).
 * Without it a relay of a cluster whose connections the other relays hold, or whose shared rate is used up,
 * delays jobs by seconds to minutes with nothing in its log (the metric {@code outbox.relay.jobs.postponed}
 * counts them); one line per job would flood it, since a busy account postpones every job it takes up.
 */
public class PostponementLog {

    private static final Logger LOG = LoggerFactory.getLogger("org.outboxrelay.jobs");

    private final Clock clock;
    private final Duration every;
    private final Map<AccountBusyException.Cause, Since> causes = new EnumMap<>(AccountBusyException.Cause.class);

    public PostponementLog(Clock clock, Duration every) {
        this.clock = clock;
        this.every = every;
    }

    /** The delivery route's {@code postponementLog.note}, for a job the account was busy for. */
    public void note(Exchange exchange) {
        AccountBusyException busy = AccountBusyException.of(exchange);
        if (busy != null) {
            note(busy);
        }
    }

    void note(AccountBusyException busy) {
        Instant now = clock.instant();
        int jobs;
        Instant previousLine;
        synchronized (causes) {
            Since since = causes.computeIfAbsent(busy.busyWith(), c -> new Since());
            since.jobs++;
            if (since.lastLine != null && now.isBefore(since.lastLine.plus(every))) {
                return;
            }
            jobs = since.jobs;
            previousLine = since.lastLine;
            since.jobs = 0;
            since.lastLine = now;
        }
        LOG.info("Postponed {} job(s){}: {}; they wait on mail.jobs until about {}", jobs,
                previousLine == null ? "" : " since " + previousLine.truncatedTo(ChronoUnit.SECONDS), busy.getMessage(),
                busy.until().truncatedTo(ChronoUnit.SECONDS));
    }

    /** Jobs postponed for one cause since its last line. */
    private static final class Since {
        private int jobs;
        private Instant lastLine;
    }
}
