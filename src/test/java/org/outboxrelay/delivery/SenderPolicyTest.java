package org.outboxrelay.delivery;

import java.util.List;

import jakarta.mail.internet.InternetAddress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
