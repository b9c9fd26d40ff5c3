package org.outboxrelay.observe;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.delivery.DeliveryFailure;
import org.outboxrelay.delivery.SmtpReplyClassifier;
import org.outboxrelay.testing.MutableClock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** While the account is paused, readiness says why, until when, and what fixes it (from the reply tables). */
class AccountHealthTest {

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    @Test
    void aPausedAccountIsDownWithTheFix() throws Exception {
        MutableClock clock = new MutableClock(java.time.Instant.parse("2026-11-30T10:00:00Z"));
        org.outboxrelay.state.StateDatabase db = org.outboxrelay.state.StateDatabase.embedded(dir);
        AccountPause pause = new AccountPause(clock, Duration.ofMinutes(1), Duration.ofHours(1),
                new org.outboxrelay.state.AccountPauseStore(db.dataSource(), "relay@example.com"), "test-node",
                Duration.ofMinutes(3), new org.outboxrelay.flow.ConsumerHolds());
        RelayHealthChecks.Account check = new RelayHealthChecks.Account(pause);
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            check.setCamelContext(context);
            assertEquals(HealthCheck.State.UP, check.call(Map.of()).getState());

            DeliveryFailure failure = new SmtpReplyClassifier().classifyFailure(new SMTPSendFailedException(
                    "MAIL FROM:<a@b>", 432, "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", null,
                    null, null, null));
            assertEquals(Duration.ofMinutes(1), pause.pause(failure).delay(), "a short pause: relay.account.pause.initial");
            HealthCheck.Result down = check.call(Map.of());
            assertEquals(HealthCheck.State.DOWN, down.getState());
            assertTrue(String.valueOf(down.getDetails().get("reason")).contains("4.3.2"), down.getDetails().toString());
            assertTrue(String.valueOf(down.getDetails().get("fix")).contains("relay.smtp.max-connections"),
                    down.getDetails().toString());

            clock.advance(Duration.ofMinutes(2));
            assertEquals(HealthCheck.State.UP, check.call(Map.of()).getState());
            assertEquals(Duration.ofMinutes(1), pause.pause(failure).delay(), "short pauses do not grow");
        } finally {
            db.close();
        }
    }
}
