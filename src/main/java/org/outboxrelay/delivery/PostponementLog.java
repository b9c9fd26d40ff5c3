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
 * since the line before. Without it a relay of a cluster whose connections the other relays hold, or whose shared
 * rate is used up, delays jobs by seconds to minutes with nothing in its log (the metric
 * {@code outbox.relay.jobs.postponed} counts them); one line per job would flood it, since a busy account
 * postpones every job it takes up.
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
        synchronized (causes) {
            Since since = causes.computeIfAbsent(busy.busyWith(), c -> new Since());
            since.jobs++;
            if (since.lastLine != null && now.isBefore(since.lastLine.plus(every))) {
                return;
            }
            jobs = since.jobs;
            since.jobs = 0;
            since.lastLine = now;
        }
        LOG.info("Postponed {} job(s){}: {}; they wait on mail.jobs until about {}", jobs,
                jobs == 1 ? "" : " in the last " + human(every), busy.getMessage(), busy.until().truncatedTo(ChronoUnit.SECONDS));
    }

    private static String human(Duration d) {
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    /** Jobs postponed for one cause since its last line. */
    private static final class Since {
        private int jobs;
        private Instant lastLine;
    }
}
