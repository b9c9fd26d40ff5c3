package org.outboxrelay.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.MutableClock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostponementLogTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
    private final PostponementLog log = new PostponementLog(clock, Duration.ofMinutes(1));

    private AccountBusyException connections() {
        return new AccountBusyException(AccountBusyException.Cause.CONNECTIONS,
                "all relay.smtp.max-connections (2) SMTP connections of the account are open on the relays",
                clock.instant().plusSeconds(3));
    }

    @Test
    void theFirstPostponementIsLoggedThenOneLinePerCauseAndMinuteWithTheCount() {
        try (LogCapture capture = LogCapture.start()) {
            log.note(connections());
            for (int i = 0; i < 4; i++) {
                clock.advance(Duration.ofSeconds(10));
                log.note(connections());
            }
            log.note(new AccountBusyException(AccountBusyException.Cause.MESSAGE_RATE,
                    "the account's limit of 30 messages per period", clock.instant().plusSeconds(20)));
            clock.advance(Duration.ofSeconds(30)); // 70 s after the first line
            log.note(connections());

            List<String> lines = capture.lines().stream().filter(l -> l.contains("Postponed")).toList();
            assertEquals(3, lines.size(), String.join("\n", lines));
            assertEquals("INFO org.outboxrelay.jobs - Postponed 1 job(s): all relay.smtp.max-connections (2) SMTP"
                    + " connections of the account are open on the relays; they wait on mail.jobs until about"
                    + " 2026-11-30T10:00:03Z", lines.get(0));
            assertTrue(lines.get(1).contains("Postponed 1 job(s): the account's limit of 30 messages"), lines.get(1));
            assertTrue(lines.get(2).startsWith("INFO org.outboxrelay.jobs - Postponed 5 job(s) since"
                    + " 2026-11-30T10:00:00Z: all relay.smtp.max-connections (2)"), lines.get(2));
        }
    }
}
