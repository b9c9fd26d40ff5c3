package org.outboxrelay.bounce;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.outboxrelay.testing.Reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportParserTest {

    static final String ID = "<0123456789abcdef0123456789abcdef.relay@example.com>";
    final ReportParser parser = new ReportParser();
    final Reports reports = Reports.about("news@example.com", "nobody@example.net", ID, "Hello");

    private ParsedReport parse(String name) throws Exception {
        return parser.parse(reports.bytes(name, name));
    }

    @Test
    void exchangeOnlineNdrWithItsDeliveryStatus() throws Exception {
        ParsedReport r = parse("outlook-ndr.eml");
        assertEquals(ParsedReport.Kind.DELIVERY_STATUS, r.kind());
        assertEquals("<outlook-ndr.eml@reports.test>", r.reportId());
        assertEquals(List.of(new ParsedReport.RecipientStatus("nobody@example.net", "failed", "5.1.10",
                "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup")),
                r.recipients());
        assertEquals(Set.of(ID), r.originalMessageIds());
    }

    @Test
    void exchangeNdrWithoutMachineReadablePartIsReadFromItsText() throws Exception {
        ParsedReport r = parse("outlook-ndr-text-only.eml");
        assertEquals(ParsedReport.Kind.NDR_TEXT, r.kind());
        assertEquals(Set.of(ID), r.originalMessageIds(), "from the original headers quoted in the text");
        assertEquals("5.1.1", r.recipients().get(0).status());
        assertEquals("failed", r.recipients().get(0).action());
        assertTrue(r.recipients().get(0).diagnostic().contains("RESOLVER.ADR.RecipientNotFound"));
        assertTrue(r.addressesInText().contains("nobody@example.net"));
    }

    @Test
    void postfixAndGmailDeliveryStatusNotifications() throws Exception {
        ParsedReport postfix = parse("postfix-dsn.eml");
        assertEquals(ParsedReport.Kind.DELIVERY_STATUS, postfix.kind());
        assertEquals("5.1.1", postfix.recipients().get(0).status());
        assertTrue(postfix.recipients().get(0).diagnostic().startsWith("550 5.1.1 <nobody@example.net>: Recipient"
                + " address rejected: User unknown"), postfix.recipients().get(0).diagnostic());
        assertEquals(Set.of(ID), postfix.originalMessageIds(), "from the returned message");

        ParsedReport delay = parse("postfix-delay.eml");
        assertEquals(List.of(new ParsedReport.RecipientStatus("nobody@example.net", "delayed", "4.4.1",
                "connect to mail.example.net[198.51.100.7]:25: Connection timed out")), delay.recipients());
        assertEquals(Set.of(ID), delay.originalMessageIds(), "from the returned headers");

        ParsedReport gmail = parse("gmail-dsn.eml");
        assertEquals(ParsedReport.Kind.DELIVERY_STATUS, gmail.kind());
        assertEquals("nobody@example.net", gmail.recipients().get(0).address());
        assertEquals("5.1.1", gmail.recipients().get(0).status());
        assertTrue(gmail.recipients().get(0).diagnostic().startsWith("The email account that you tried to reach"
                + " does not exist"), gmail.recipients().get(0).diagnostic());
        assertEquals(Set.of(ID), gmail.originalMessageIds());
    }

    @Test
    void arfComplaintsAndWhatIsNotAReport() throws Exception {
        ParsedReport arf = parser.parse(reports.with("LIST_UNSUBSCRIBE", "<https://mail.example.com/u/abc.def>")
                .bytes("arf-complaint.eml", "arf"));
        assertEquals(ParsedReport.Kind.COMPLAINT, arf.kind());
        assertEquals("abuse", arf.feedbackType());
        assertEquals(Set.of(ID), arf.originalMessageIds());
        assertEquals(List.of(), arf.recipients(), "Outlook.com does not name the recipient");
        assertEquals("<https://mail.example.com/u/abc.def>", arf.returnedListUnsubscribe());

        ParsedReport ooo = parse("out-of-office.eml");
        assertEquals(ParsedReport.Kind.NOT_A_REPORT, ooo.kind());
        assertTrue(ooo.why().contains("automatic reply"), ooo.why());
        assertNull(ooo.feedbackType());
    }
}
