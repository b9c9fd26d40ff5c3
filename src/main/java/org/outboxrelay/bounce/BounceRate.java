package org.outboxrelay.bounce;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.outboxrelay.state.RecipientOutcome;
import org.outboxrelay.state.RecipientOutcomeStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The account's bounce rate over the last day: recipients that bounced for good (hard) per recipient the SMTP
 * server accepted, from the shared store (so the same on every relay of a cluster). Above relay.bounces.rate-threshold
 * (default 5%, once at least relay.bounces.rate-minimum-sent recipients were sent) the log warns - once, and once
 * more when it is back below - and the health check's details say so. Readiness stays up: sending on is still
 * right, the list needs cleaning. Read at most once a minute.
 */
public class BounceRate {

    private static final Logger LOG = LoggerFactory.getLogger(BounceRate.class);
    static final Duration WINDOW = Duration.ofDays(1);
    private static final Duration CACHE = Duration.ofMinutes(1);

    /** The rate and what it is made of. */
    public record Rate(long bounced, long sent, double rate, boolean over, Instant at) {
    }

    private final RecipientOutcomeStore outcomes;
    private final String account;
    private final double threshold;
    private final int minimumSent;
    private final Clock clock;
    private volatile Rate last;
    private volatile boolean warned;

    public BounceRate(RecipientOutcomeStore outcomes, String account, double threshold, int minimumSent, Clock clock) {
        this.outcomes = outcomes;
        this.account = account;
        this.threshold = threshold;
        this.minimumSent = minimumSent;
        this.clock = clock;
    }

    public Rate current() {
        Rate r = last;
        if (r == null || clock.instant().isAfter(r.at().plus(CACHE))) {
            Instant since = clock.instant().minus(WINDOW);
            long bounced = outcomes.countSince(account, RecipientOutcome.Kind.BOUNCED, since);
            long sent = outcomes.acceptedSince(account, since);
            double rate = sent == 0 ? 0 : Math.min(1, (double) bounced / sent);
            r = new Rate(bounced, sent, rate, sent >= minimumSent && rate > threshold, clock.instant());
            last = r;
        }
        return r;
    }

    /** The timer route's step: warns when the rate passes the threshold, and says when it is back below. */
    public void check() {
        last = null;
        Rate r = current();
        if (r.over() && !warned) {
            warned = true;
            LOG.warn("Bounce rate of {} over the last day is {}% ({} of {} recipients bounced), above {}%: clean the"
                    + " list - mail to addresses that do not exist is what gets an account throttled or refused",
                    account, percent(r.rate()), r.bounced(), r.sent(), percent(threshold));
        } else if (!r.over() && warned) {
            warned = false;
            LOG.info("Bounce rate of {} over the last day is back to {}% ({} of {})", account, percent(r.rate()),
                    r.bounced(), r.sent());
        }
    }

    static String percent(double rate) {
        return String.format(java.util.Locale.ROOT, "%.1f", rate * 100);
    }

    /** The readiness check "relay/deliverability": always up; its details carry the rate and any warning. */
    public AbstractHealthCheck healthCheck() {
        return new AbstractHealthCheck("relay", "deliverability") {
            @Override
            public boolean isLiveness() {
                return false;
            }

            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                Rate r = current();
                builder.detail("bounce.rate", percent(r.rate()) + "%")
                        .detail("bounce.rate.threshold", percent(threshold) + "%")
                        .detail("bounced.last.day", r.bounced())
                        .detail("sent.last.day", r.sent());
                String summary = "bounce rate " + percent(r.rate()) + "% over the last day (" + r.bounced() + " of "
                        + r.sent() + " recipients)";
                if (r.over()) {
                    String warning = summary + " is above " + percent(threshold) + "%: clean the list";
                    builder.detail("warning", warning).message(warning);
                } else {
                    builder.message(summary);
                }
                builder.up();
            }
        };
    }
}
