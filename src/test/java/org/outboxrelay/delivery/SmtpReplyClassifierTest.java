package org.outboxrelay.delivery;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

import javax.net.ssl.SSLHandshakeException;

import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.util.MailConnectException;
import org.eclipse.angus.mail.util.SocketConnectException;
import org.junit.jupiter.api.Test;
import org.outboxrelay.job.InvalidJobException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmtpReplyClassifierTest {

    private final SmtpReplyClassifier classifier = new SmtpReplyClassifier();

    private static SMTPAddressFailedException rcpt(String address, int code, String text) throws Exception {
        return new SMTPAddressFailedException(new InternetAddress(address), "RCPT TO:<" + address + ">", code,
                code + " " + text);
    }

    @Test
    void rcpt550HiddenInAPlainSendFailedException() throws Exception {
        SendFailedException e = new SendFailedException("Invalid Addresses",
                rcpt("x@example.com", 550, "5.1.1 User unknown"), new Address[0], new Address[0],
                new Address[] {new InternetAddress("x@example.com")});
        DeliveryFailure f = classifier.classifyFailure(new MessagingException("wrapped", e));
        assertEquals(FailureKind.PERMANENT, f.kind());
        assertEquals(550, f.code());
        assertEquals("5.1.1", f.enhancedCode());
        assertTrue(f.reason().contains("x@example.com: 550 5.1.1 User unknown"), f.reason());
    }

    @Test
    void oneDeferredRecipientMakesTheWholeFailureTransient() throws Exception {
        SMTPAddressFailedException first = rcpt("x@example.com", 550, "5.1.1 unknown");
        first.setNextException(rcpt("y@example.com", 452, "4.2.2 full"));
        DeliveryFailure f = classifier.classifyFailure(new SendFailedException("Invalid Addresses", first));
        assertEquals(FailureKind.TRANSIENT, f.kind());
        assertEquals(452, f.code());
    }

    @Test
    void dataReplies() {
        assertEquals(FailureKind.PERMANENT, classifier.classifyFailure(new SMTPSendFailedException(".", 554,
                "554 5.6.0 rejected", null, null, null, null)).kind());
        assertEquals(FailureKind.TRANSIENT, classifier.classifyFailure(new SMTPSendFailedException(".", 451,
                "451 4.3.0 later", null, null, null, null)).kind());
        assertEquals(FailureKind.TRANSIENT, classifier.classifyFailure(new SMTPSendFailedException("MAIL FROM:<a@b>",
                421, "421 4.3.2 closing", null, null, null, null)).kind());
    }

    @Test
    void microsoftAccountReplies() {
        for (String reply : new String[] {
                "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
                "535 5.7.3 Authentication unsuccessful",
                "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
                "554 5.2.252 SendAsDenied; a@b not allowed to send as c@d",
                "554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException; Failed to process message due to a permanent exception with message [BeginDiagnosticData]WASCL UserAction verdict is not None. Actual verdict is RefuseQuota",
                "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException",
                "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded; concurrent connections limit exceeded",
                "550 5.2.254 Sender throttled due to continuous invalid recipients errors"}) {
            int code = Integer.parseInt(reply.substring(0, 3));
            DeliveryFailure f = classifier.classifyFailure(reply.startsWith("535")
                    ? new AuthenticationFailedException(reply)
                    : new SMTPSendFailedException("MAIL FROM:<a@b>", code, reply, null, null, null, null));
            assertEquals(FailureKind.ACCOUNT, f.kind(), reply);
            assertEquals(code, f.code(), reply);
        }
    }

    @Test
    void aConnectionClosedInsteadOfAReplyIsTransientAtEveryStage() throws Exception {
        // what Angus Mail throws when the server closes the connection: the "reply" [EOF] with code -1
        for (Exception e : new Exception[] {
                new SMTPSendFailedException(".", -1, "[EOF]", null, null, null, null),
                new SMTPSendFailedException("DATA", -1, "[EOF]", null, null, null, null),
                new SMTPSendFailedException("MAIL FROM:<a@b>", -1, "[EOF]", null, null, null, null),
                new SendFailedException("Invalid Addresses", new SMTPAddressFailedException(
                        new InternetAddress("x@example.com"), "RCPT TO:<x@example.com>", -1, "[EOF]")),
                new AuthenticationFailedException("[EOF]"),
                new MessagingException("[EOF]"),
                new MessagingException("Got bad greeting from SMTP host: localhost, port: 25, response: [EOF]")}) {
            DeliveryFailure f = classifier.classifyFailure(e);
            assertEquals(FailureKind.TRANSIENT, f.kind(), e.toString());
            assertTrue(f.reason().startsWith("the SMTP connection was lost"), f.reason());
            assertTrue(f.fix().contains("tried again"), f.fix());
        }
    }

    @Test
    void recipientThreadLimitIsTransientButSenderThreadLimitPausesTheAccount() {
        DeliveryFailure recipient = classifier.classifyFailure(new SMTPSendFailedException(".", 432,
                "432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded", null, null, null, null));
        assertEquals(FailureKind.TRANSIENT, recipient.kind());
        DeliveryFailure sender = classifier.classifyFailure(new SMTPSendFailedException("MAIL FROM:<a@b>", 432,
                "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", null, null, null, null));
        assertEquals(FailureKind.ACCOUNT, sender.kind());
        assertTrue(sender.fix().contains("relay.smtp.max-connections"), sender.fix());
    }

    @Test
    void aGreetingOtherThan220IsAReply() {
        DeliveryFailure f = classifier.classifyFailure(new MessagingException(
                "Got bad greeting from SMTP host: localhost, port: 25, response: 421 4.3.2 Service not available"));
        assertEquals(FailureKind.TRANSIENT, f.kind());
        assertEquals(421, f.code());

        // a refused session says nothing about the message: the account pauses, the job is not failed
        DeliveryFailure refused = classifier.classifyFailure(new MessagingException(
                "Got bad greeting from SMTP host: localhost, port: 25, response: 554 5.7.1 No SMTP service here"));
        assertEquals(FailureKind.ACCOUNT, refused.kind());
        assertEquals(554, refused.code());
        assertEquals("session-refused", refused.ruleId());
    }

    @Test
    void certificateProblemsPauseTheAccountButABrokenHandshakeIsRetried() {
        DeliveryFailure untrusted = classifier.classifyFailure(new MessagingException("tls",
                new SSLHandshakeException("PKIX path building failed: unable to find valid certification path")));
        assertEquals(FailureKind.ACCOUNT, untrusted.kind());
        assertTrue(untrusted.fix().contains("relay.smtp.trust-file"), untrusted.fix());
        DeliveryFailure garbage = classifier.classifyFailure(new MessagingException("tls",
                new javax.net.ssl.SSLException("Unsupported or unrecognized SSL message")));
        assertEquals(FailureKind.TRANSIENT, garbage.kind());
    }

    @Test
    void connectionProblemsAreTransient() {
        assertEquals(FailureKind.TRANSIENT, classifier.classifyFailure(
                new MailConnectException(new SocketConnectException("refused", new ConnectException("Connection refused"),
                        "localhost", 25, 1000))).kind());
        assertEquals(FailureKind.TRANSIENT, classifier.classifyFailure(
                new MessagingException("read", new SocketTimeoutException("Read timed out"))).kind());
        assertEquals(FailureKind.ACCOUNT, classifier.classifyFailure(
                new MessagingException("tls", new SSLHandshakeException("PKIX path building failed"))).kind());
        assertEquals(FailureKind.ACCOUNT, classifier.classifyFailure(
                new MessagingException("STARTTLS is required but host does not support STARTTLS")).kind());
    }

    @Test
    void invalidJobsAndForbiddenSendersArePermanent() {
        assertEquals(FailureKind.PERMANENT, classifier.classifyFailure(
                new InvalidJobException("to", "missing")).kind());
        assertEquals(FailureKind.PERMANENT, classifier.classifyFailure(
                new SenderNotAllowedException("From x is not allowed")).kind());
    }

    @Test
    void unknownFailuresAreTransientSoNothingIsLost() {
        assertEquals(FailureKind.TRANSIENT, classifier.classifyFailure(new IllegalStateException("surprise")).kind());
    }
}
