package org.outboxrelay.job;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressesTest {

    @Test
    void internationalDomainsAreSentInAscii() throws Exception {
        InternetAddress a = Addresses.withAsciiDomain(Addresses.parseOne("Jörg Müller <joerg@bücher.example>"));
        assertEquals("joerg@xn--bcher-kva.example", a.getAddress());
        assertEquals("Jörg Müller", a.getPersonal());
        assertEquals("=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@xn--bcher-kva.example>", a.toString());
        assertEquals("plain@example.com", Addresses.withAsciiDomain(Addresses.parseOne("plain@example.com")).getAddress());
    }

    @Test
    void aHeaderFoldedInsideAQuotedLocalPartIsUnfolded() throws Exception {
        // no SMTP command can carry a line break: the address the relay sends to is the unfolded one
        assertEquals(List.of("\"a b\"@example.com", "c@example.com"), Addresses.parseList("\"a\r\n b\"@example.com,\r\n\tc@example.com")
                .stream().map(InternetAddress::getAddress).toList());
        assertThrows(AddressException.class, () -> Addresses.parseList("\"a\r\nb\"@example.com"));
    }

    @Test
    void onlyANonAsciiLocalPartNeedsSmtpUtf8() throws Exception {
        assertTrue(Addresses.needsSmtpUtf8(Addresses.parseOne("jörg@example.com")));
        assertTrue(Addresses.needsSmtpUtf8(Addresses.parseOne("用户@例子.广告")));
        assertFalse(Addresses.needsSmtpUtf8(Addresses.parseOne("joerg@bücher.example")));
        assertFalse(Addresses.needsSmtpUtf8(Addresses.parseOne("Jörg <joerg@example.com>")));
    }

    @Test
    void anInvalidInternationalDomainIsRefused() {
        AddressException e = assertThrows(AddressException.class, () -> Addresses.parseList("a@-bücher.example"));
        assertTrue(e.getMessage().contains("not a valid international domain name"), e.getMessage());
    }

    @Test
    void rawMessagesWithUtf8HeadersGiveTheirAddresses() throws Exception {
        RawMessage raw = new RawMessageParser().parse(("From: relay@example.com\r\nTo: Jörg <jörg@example.com>\r\n"
                + "Subject: Grüße\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("jörg@example.com"), raw.recipients().stream().map(InternetAddress::getAddress).toList());
        assertEquals("Grüße", raw.subject());
    }
}
