package org.outboxrelay.replies;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplyTableTest {

    private final ReplyTable microsoft = ReplyTable.all();

    private ReplyRule rule(String reply) {
        int code = Integer.parseInt(reply.substring(0, 3));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(\\d\\.\\d{1,3}\\.\\d{1,3})\\b").matcher(reply);
        return microsoft.match(code, m.find() ? m.group(1) : null, reply).orElseThrow(() -> new AssertionError(reply));
    }

    @Test
    void everyTableLoadsWithUniqueIdsAFixAndAMeaning() {
        Set<String> ids = new HashSet<>();
        for (ReplyTable.Table t : ReplyTable.all().tables()) {
            assertFalse(t.rules().isEmpty(), t.name());
            assertNotNull(t.title());
            for (ReplyRule r : t.rules()) {
                assertTrue(ids.add(r.id()), "unique id " + r.id());
                assertFalse(r.meaning().isBlank(), r.id());
                assertTrue(r.fix() != null && !r.fix().isBlank(), r.id() + " has a fix");
            }
        }
        for (FailureCondition c : FailureCondition.values()) {
            assertTrue(ReplyTable.of("generic").match(c).isPresent(), "generic covers " + c.id());
        }
    }

    @Test
    void storedrvSenderThreadLimitPausesBrieflyButRecipientThreadLimitRetriesTheMessage() {
        ReplyRule sender = rule("432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=AM0PR01MB]");
        assertEquals("ms-sender-thread-limit", sender.id());
        assertEquals(ReplyAction.PAUSE, sender.action());
        assertEquals(PauseLength.SHORT, sender.pause());

        ReplyRule recipient = rule("432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded");
        assertEquals("ms-recipient-thread-limit", recipient.id());
        assertEquals(ReplyAction.TRANSIENT, recipient.action());
    }

    @Test
    void microsoftSignInReplies() {
        assertEquals("ms-smtp-auth-disabled-mailbox", rule("535 5.7.139 Authentication unsuccessful,"
                + " SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled").id());
        ReplyRule tenant = rule("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the"
                + " Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.");
        assertEquals("ms-smtp-auth-disabled-tenant", tenant.id());
        assertTrue(tenant.fix().contains("Set-TransportConfig -SmtpClientAuthenticationDisabled $false"), tenant.fix());
        assertEquals("ms-basic-auth-disabled",
                rule("535 5.7.139 Authentication unsuccessful, basic authentication is disabled.").id());
        assertEquals("ms-authentication-unsuccessful", rule("535 5.7.3 Authentication unsuccessful [BN6PR]").id());
        assertEquals("ms-not-authenticated", rule("530 5.7.57 Client not authenticated to send mail. [AM0PR]").id());
        for (String r : new String[] {"535 5.7.139 Authentication unsuccessful, the request did not meet the criteria",
                "535 5.7.3 Authentication unsuccessful", "530 5.7.57 Client not authenticated to send mail"}) {
            assertEquals(ReplyAction.PAUSE, rule(r).action(), r);
        }
    }

    @Test
    void microsoftLimitsBansAndAuthentication() {
        assertEquals("ms-tenant-external-limit", rule("550 5.7.233 Your message can't be sent because your tenant"
                + " exceeded its daily limit for sending email to external recipients").id());
        assertEquals("ms-trial-tenant-external-limit", rule("550 5.7.232 Your message can't be sent because your trial"
                + " tenant has exceeded its daily limit for sending email to external recipients (tenant external"
                + " recipient rate limit)").id());
        for (String banned : new String[] {"550 5.7.501 Access denied, spam abuse detected",
                "550 5.7.502 Access denied, banned sender", "550 5.7.503 Access denied, banned sender"}) {
            assertEquals("ms-banned-sender", rule(banned).id(), banned);
        }
        assertEquals("ms-throttled", rule("550 5.2.254 Sender throttled due to continuous invalid recipients").id());
        assertEquals("ms-send-as-denied", rule("550 5.7.60 SMTP; Client does not have permissions to send as this"
                + " sender").id());
        assertEquals("ms-send-as-denied-text", rule("554 5.2.252 SendAsDenied; a@b not allowed").id());
        assertEquals("ms-quota", rule("554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException; WASCL"
                + " UserAction verdict is not None. Actual verdict is RefuseQuota").id());
        assertEquals("ms-quota", rule("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException").id());
        ReplyRule dmarc = rule("550 5.7.515 Access denied, sending domain example.com does not meet the required"
                + " authentication level.");
        assertEquals(ReplyAction.PERMANENT, dmarc.action());
        assertTrue(dmarc.fix().contains("DMARC"));
        PauseLength tenantLimit = rule("550 5.7.233 tenant external recipient rate limit").pause();
        assertEquals(Duration.ofMinutes(30), tenantLimit.length(Duration.ofSeconds(1), Duration.ofSeconds(2), 0));
        assertEquals(Duration.ofHours(24), tenantLimit.length(Duration.ofSeconds(1), Duration.ofSeconds(2), 10));
    }

    @Test
    void otherServersRepliesDoNotMatchMicrosoftsRules() {
        ReplyTable all = ReplyTable.all();
        assertEquals("try-later", all.match(451, "4.7.500", "451 4.7.500 Server busy").orElseThrow().id());
        assertEquals("refused", all.match(550, "5.1.8", "550 5.1.8 Bad sender's system address").orElseThrow().id());
        assertEquals("refused", all.match(554, "5.7.60", "554 5.7.60 rejected").orElseThrow().id());
        assertEquals("auth-failed", all.match(535, "5.7.3", "535 5.7.3 Bad credentials").orElseThrow().id());
    }

    @Test
    void genericReplies() {
        ReplyTable generic = ReplyTable.of("generic");
        assertEquals("try-later", generic.match(432, "4.3.2", "432 4.3.2 STOREDRV.ClientSubmit").orElseThrow().id());
        assertEquals("unknown-recipient", generic.match(550, "5.1.1", "550 5.1.1 User unknown").orElseThrow().id());
        assertEquals("refused", generic.match(554, null, "554 no").orElseThrow().id());
        assertEquals("auth-failed", generic.match(535, "5.7.8", "535 5.7.8 bad").orElseThrow().id());
        assertEquals("starttls-first", generic.match(530, "5.7.0", "530 5.7.0 Must issue a STARTTLS command first")
                .orElseThrow().id());
        assertTrue(generic.match(250, null, "250 ok").isEmpty());
    }

    @Test
    void pauseLengths() {
        Duration initial = Duration.ofMinutes(1);
        Duration max = Duration.ofHours(1);
        assertEquals(initial, PauseLength.SHORT.length(initial, max, 5));
        assertEquals(Duration.ofMinutes(4), PauseLength.GROWING.length(initial, max, 2));
        assertEquals(max, PauseLength.GROWING.length(initial, max, 12));
        assertEquals(Duration.ofHours(1), PauseLength.parse("30m-24h").length(initial, max, 1));
        assertThrows(IllegalArgumentException.class, () -> PauseLength.parse("forever"));
        assertThrows(IllegalArgumentException.class, () -> PauseLength.parse("24h-30m"));
    }
}
