package org.outboxrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import jakarta.mail.internet.InternetAddress;

import org.junit.jupiter.api.Test;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.job.RawMessageParser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SenderPolicyTest {

    @Test
    void accountAliasesAndDomains() throws Exception {
        SenderPolicy p = new SenderPolicy(new InternetAddress("Shop <Shop@Example.com>"),
                List.of("billing@example.com", "*@news.example.com"));
        assertTrue(p.isAllowed("shop@example.com"));
        assertTrue(p.isAllowed("BILLING@example.com"));
        assertTrue(p.isAllowed("anyone@news.example.com"));
        assertFalse(p.isAllowed("anyone@example.com"));
        assertFalse(p.isAllowed("x@evilnews.example.com"));
        assertFalse(p.isAllowed("x@news.example.com.evil.org"));
    }

    @Test
    void everyOriginatorOfARawMessageMustBeAllowed() throws Exception {
        SenderPolicy p = new SenderPolicy(new InternetAddress("shop@example.com"), List.of("*@news.example.com"));
        p.check(raw("From: shop@example.com\r\nSender: a@news.example.com\r\nReply-To: help@elsewhere.example\r\n"));
        for (String header : List.of("Sender", "Resent-From", "Resent-Sender")) {
            SenderNotAllowedException e = assertThrows(SenderNotAllowedException.class,
                    () -> p.check(raw("From: shop@example.com\r\n" + header + ": boss@evil.example\r\n")), header);
            assertEquals(header + " boss@evil.example is not allowed: the account sends as shop@example.com or"
                    + " *@news.example.com (add the address to relay.smtp.allowed-from if the account may send as it)",
                    e.getMessage());
        }
        assertThrows(SenderNotAllowedException.class, () -> p.check(raw(
                "From: shop@example.com\r\nResent-From: a@news.example.com, boss@evil.example\r\n")));
    }

    private static QueuedJob raw(String headers) throws Exception {
        byte[] mime = (headers + "To: b@example.com\r\nSubject: s\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        QueuedJob job = new QueuedJob("j", Channel.JMS, true, mime, 0, Instant.EPOCH, null, "t");
        job.setRawMessage(new RawMessageParser().parse(mime));
        return job;
    }
}
