package org.outboxrelay.delivery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.testing.FaultSmtpServer;
import org.outboxrelay.testing.FaultSmtpServer.Fault;
import org.outboxrelay.testing.FaultSmtpServer.Stage;
import org.outboxrelay.testing.ReceivedMessage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Command pipelining (RFC 2920) on the wire, with the relay's session and transport (SmtpSessions,
 * PipeliningSmtpTransport) against {@link FaultSmtpServer}. With {@code pipelining()} that server answers MAIL and
 * RCPT only once the next other command has arrived, so a message gets through only if MAIL, RCPT and DATA were
 * sent without waiting (a client that waits meets its 2 s read timeout). Every reply must still reach the right
 * command: after a refused recipient, sender or message, the next message on the same connection goes through.
 */
class PipeliningSmtpTransportTest {

    private FaultSmtpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void messagesGoOutPipelinedOnOneConnection() throws Exception {
        server = FaultSmtpServer.builder().pipelining().start();
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            for (int i = 1; i <= 3; i++) {
                send(transport, session, "m" + i, "a@example.com", "b@example.com");
            }
        }
        List<ReceivedMessage> got = server.awaitAcknowledged(3, Duration.ofSeconds(5));
        assertEquals(List.of("a@example.com", "b@example.com"), got.get(2).recipients());
        assertEquals(1, server.sessionCount());
    }

    @Test
    void mailRcptAndDataLeaveInOneWrite() throws Exception {
        // a server that answers at once: whatever arrives together was written together
        server = FaultSmtpServer.builder().offerPipelining().start();
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            for (int i = 1; i <= 3; i++) {
                send(transport, session, "m" + i, "a@example.com", "b@example.com", "c@example.com");
            }
        }
        assertEquals(3, server.awaitAcknowledged(3, Duration.ofSeconds(5)).size());
        server.awaitSessionsEnded(1, Duration.ofSeconds(5));
        FaultSmtpServer.SessionRecord only = server.sessions().get(0);
        // EHLO; for each message MAIL, three RCPT and DATA in one read, then the content with its dot; QUIT
        assertEquals(1 + 3 * 2 + 1, only.socketReads(), only.transcript().toString());
    }

    @Test
    void aRecipientAngusWillNotWriteFailsAtOnceAndNothingOfItsGroupLeaves() throws Exception {
        // a line break in a quoted local part passes InternetAddress but not Angus's check of each command (the
        // relay's intake unfolds headers, so only the transport itself meets one): the group is still held then,
        // the server never got MAIL FROM, and waiting for its reply would last the whole read timeout (20 s here)
        server = FaultSmtpServer.builder().offerPipelining().start();
        Session session = session(server.port(), true, Duration.ofSeconds(20));
        try (SMTPTransport transport = connect(session)) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(MessagingException.class,
                    () -> send(transport, session, "folded", "ok@example.com", "\"a\r\n b\"@example.com")));
        }
        try (SMTPTransport transport = connect(session)) {
            send(transport, session, "next", "ok@example.com");
        }
        assertEquals(List.of("ok@example.com"), server.awaitAcknowledged(1, Duration.ofSeconds(5)).get(0).recipients());
        server.awaitSessionsEnded(2, Duration.ofSeconds(5));
        List<String> first = server.sessions().get(0).transcript();
        assertTrue(first.stream().noneMatch(line -> line.contains("MAIL FROM")), first.toString());
    }

    @Test
    void pipelinedOverStartTlsAfterSignIn() throws Exception {
        // Outlook's way: PIPELINING is offered in the EHLO after STARTTLS, and the commands go through TLS
        server = FaultSmtpServer.builder().starttls().requireTls().login("relay", "pw").pipelining().start();
        SmtpSettings settings = new SmtpSettings(Provider.SMTP, "localhost", server.port(), SmtpSecurity.STARTTLS,
                SmtpAuth.PASSWORD, "relay", "pw", null, List.of(),
                Path.of("src/test/resources/tls/server.pem").toAbsolutePath(), 1, 10, Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(2), false, true);
        Session session = SmtpSessions.create(settings);
        try (SMTPTransport transport = (SMTPTransport) session.getTransport("smtp")) {
            transport.connect("localhost", server.port(), "relay", "pw");
            send(transport, session, "tls-1", "a@example.com", "b@example.com");
            send(transport, session, "tls-2", "c@example.com");
        }
        assertEquals(List.of("c@example.com"), server.awaitAcknowledged(2, Duration.ofSeconds(5)).get(1).recipients());
        FaultSmtpServer.SessionRecord only = server.sessions().get(0);
        assertTrue(only.tls());
        assertEquals("relay", only.user());
    }

    @Test
    void aRefusedRecipientAmongOthersIsReportedAndTheOthersGetTheMessage() throws Exception {
        server = FaultSmtpServer.builder().pipelining().start();
        server.next(Stage.RCPT, Fault.reply(550, "5.1.1 no such user"));
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            SMTPSendFailedException e = assertThrows(SMTPSendFailedException.class,
                    () -> send(transport, session, "partial", "gone@example.com", "b@example.com"));
            assertEquals(List.of("gone@example.com"), addresses(e.getInvalidAddresses()));
            assertEquals(List.of("b@example.com"), addresses(e.getValidSentAddresses()));
            SMTPAddressFailedException refused = assertInstanceOf(SMTPAddressFailedException.class,
                    e.getNextException());
            assertEquals(550, refused.getReturnCode());
            send(transport, session, "next", "c@example.com");
        }
        List<ReceivedMessage> got = server.awaitAcknowledged(2, Duration.ofSeconds(5));
        assertEquals(List.of("b@example.com"), got.get(0).recipients());
        assertEquals(List.of("c@example.com"), got.get(1).recipients());
        assertEquals(1, server.sessionCount());
    }

    @Test
    void whenEveryRecipientIsRefusedNothingIsSentAndTheConnectionStaysInStep() throws Exception {
        server = FaultSmtpServer.builder().pipelining().start();
        server.next(Stage.RCPT, Fault.reply(550, "5.1.1 no such user"));
        server.next(Stage.RCPT, Fault.reply(450, "4.2.1 try later"));
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            SendFailedException e = assertThrows(SendFailedException.class,
                    () -> send(transport, session, "nobody", "gone@example.com", "busy@example.com"));
            assertEquals(List.of("gone@example.com"), addresses(e.getInvalidAddresses()));
            assertEquals(List.of("busy@example.com"), addresses(e.getValidUnsentAddresses()));
            send(transport, session, "next", "c@example.com");
        }
        List<ReceivedMessage> got = server.awaitAcknowledged(1, Duration.ofSeconds(5));
        assertEquals(1, server.received().size());
        assertEquals(List.of("c@example.com"), got.get(0).recipients());
        // DATA went ahead and was refused (no recipient), then Angus's RSET: the replies stayed in step
        List<String> transcript = server.sessions().get(0).transcript();
        assertTrue(transcript.contains("S: 503 5.5.1 RCPT first"), transcript.toString());
        assertEquals(1, server.sessionCount());
    }

    @Test
    void aRefusedSenderFailsTheMessageAndTheNextOneGoesOut() throws Exception {
        server = FaultSmtpServer.builder().pipelining().start();
        server.next(Stage.MAIL, Fault.reply(550, "5.7.1 sender not allowed"));
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            SMTPSendFailedException e = assertThrows(SMTPSendFailedException.class,
                    () -> send(transport, session, "refused", "a@example.com"));
            assertEquals(550, e.getReturnCode());
            assertTrue(e.getCommand().startsWith("MAIL FROM:"), e.getCommand());
            assertTrue(e.getMessage().contains("sender not allowed"), e.getMessage());
            send(transport, session, "next", "c@example.com");
        }
        assertEquals(List.of("c@example.com"), server.awaitAcknowledged(1, Duration.ofSeconds(5)).get(0).recipients());
        assertEquals(1, server.received().size());
        assertEquals(1, server.sessionCount());
    }

    @Test
    void aRefusedSenderWhoseServerClosesTheConnectionIsReportedWithItsReply() throws Exception {
        // the server closes right after its reply: writing the RCPTs and DATA ahead, or the RSET after the refusal,
        // meets a broken connection. The refusal is what counts (the reply tables act on it)
        server = FaultSmtpServer.builder().pipelining().start();
        server.next(Stage.MAIL, Fault.replyAndClose(421, "4.7.0 Too many connections"));
        Session session = session(server.port());
        SMTPTransport transport = connect(session);
        MessagingException any = assertThrows(MessagingException.class,
                () -> send(transport, session, "refused", "a@example.com", "b@example.com"));
        SMTPSendFailedException e = assertInstanceOf(SMTPSendFailedException.class, any);
        assertEquals(421, e.getReturnCode());
        assertTrue(e.getCommand().startsWith("MAIL FROM:"), e.getCommand());
        assertTrue(e.getMessage().contains("Too many connections"), e.getMessage());
        assertFalse(transport.isConnected());
        assertEquals(0, server.received().size());
    }

    @Test
    void aServerThatAcceptsDataWithoutRecipientsLosesTheConnectionNotTheMessage() throws Exception {
        server = FaultSmtpServer.builder().pipelining().start();
        server.next(Stage.RCPT, Fault.reply(550, "5.1.1 no such user"));
        server.next(Stage.DATA, Fault.reply(354, "go ahead"));
        Session session = session(server.port());
        SMTPTransport transport = connect(session);
        assertThrows(SendFailedException.class, () -> send(transport, session, "odd", "gone@example.com"));
        // ending the content with a dot would have sent it; the connection was closed instead
        assertFalse(transport.isConnected());
        server.awaitSessionsEnded(1, Duration.ofSeconds(5));
        assertEquals(0, server.received().size());
    }

    @Test
    void aServerWithoutPipeliningGetsOneCommandAtATime() throws Exception {
        server = lateToAnswerMail(FaultSmtpServer.builder());
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            send(transport, session, "one", "a@example.com", "b@example.com");
            send(transport, session, "two", "c@example.com");
        }
        server.awaitAcknowledged(2, Duration.ofSeconds(5));
        assertNoCommandWentEarly();
    }

    @Test
    void withPipeliningOffEveryCommandWaitsForItsReply() throws Exception {
        // relay.smtp.pipelining=false, for a server (or a firewall in front of it) that offers but mishandles it
        server = lateToAnswerMail(FaultSmtpServer.builder().offerPipelining());
        Session session = session(server.port(), false);
        try (SMTPTransport transport = connect(session)) {
            send(transport, session, "one", "a@example.com", "b@example.com");
        }
        server.awaitAcknowledged(1, Duration.ofSeconds(5));
        assertNoCommandWentEarly();
    }

    @Test
    void moreRecipientsThanAPipelinedGroupHoldGoOutOneCommandAtATime() throws Exception {
        server = lateToAnswerMail(FaultSmtpServer.builder().offerPipelining());
        Session session = session(server.port());
        String[] many = new String[PipeliningSmtpTransport.MAX_PIPELINED_RECIPIENTS + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = "r" + i + "@example.com";
        }
        try (SMTPTransport transport = connect(session)) {
            send(transport, session, "many", many);
        }
        assertEquals(many.length, server.awaitAcknowledged(1, Duration.ofSeconds(5)).get(0).recipients().size());
        assertNoCommandWentEarly();
    }

    /** A server whose reply to MAIL comes late: a client that did not wait for it sends its RCPT meanwhile. */
    private static FaultSmtpServer lateToAnswerMail(FaultSmtpServer.Builder builder) {
        FaultSmtpServer s = builder.start();
        s.always(Stage.MAIL, Fault.slow(Duration.ofMillis(300)));
        return s;
    }

    /** The one session ended, and no reply of it found the next command already sent. */
    private void assertNoCommandWentEarly() throws InterruptedException {
        server.awaitSessionsEnded(1, Duration.ofSeconds(5));
        FaultSmtpServer.SessionRecord only = server.sessions().get(0);
        assertEquals(0, only.earlyCommands(), only.transcript().toString());
    }

    private static Session session(int port) {
        return session(port, true);
    }

    private static Session session(int port, boolean pipelining) {
        return session(port, pipelining, Duration.ofSeconds(2));
    }

    private static Session session(int port, boolean pipelining, Duration readTimeout) {
        SmtpSettings settings = new SmtpSettings(Provider.SMTP, "127.0.0.1", port, SmtpSecurity.NONE, SmtpAuth.NONE,
                null, null, null, List.of(), null, 1, 10, Duration.ofSeconds(5), Duration.ofSeconds(5),
                readTimeout, false, pipelining);
        return SmtpSessions.create(settings);
    }

    private static SMTPTransport connect(Session session) throws MessagingException {
        SMTPTransport transport = (SMTPTransport) session.getTransport("smtp");
        assertInstanceOf(PipeliningSmtpTransport.class, transport);
        transport.connect();
        return transport;
    }

    private static void send(SMTPTransport transport, Session session, String subject, String... to)
            throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("relay@example.com"));
        m.setSubject(subject);
        m.setText("hello");
        Address[] recipients = new Address[to.length];
        for (int i = 0; i < to.length; i++) {
            recipients[i] = new InternetAddress(to[i]);
        }
        m.setRecipients(MimeMessage.RecipientType.TO, recipients);
        m.saveChanges();
        transport.sendMessage(m, recipients);
    }

    private static List<String> addresses(Address[] a) {
        return a == null ? List.of() : Arrays.stream(a).map(x -> ((InternetAddress) x).getAddress()).toList();
    }
}
