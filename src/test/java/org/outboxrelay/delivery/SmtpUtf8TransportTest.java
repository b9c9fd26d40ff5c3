package org.outboxrelay.delivery;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;

import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.SmtpSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SMTPUTF8 exactly where a message needs it, seen on the wire: the commands a scripted SMTP server receives
 * from the relay's session and transport (SmtpSessions, SmtpUtf8Transport) for messages the MimeMessageBuilder
 * built.
 */
class SmtpUtf8TransportTest {

    private WireServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void asciiMailGoesWithoutSmtpUtf8AndInternationalMailWithIt() throws Exception {
        server = new WireServer(true);
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            OutgoingMessage plain = build(session, "ascii", "Jörg Müller <joerg@example.com>");
            transport.sendMessage(plain, plain.getEnvelopeRecipients().toArray(new InternetAddress[0]));
            OutgoingMessage idn = build(session, "idn", "a@bücher.example");
            transport.sendMessage(idn, idn.getEnvelopeRecipients().toArray(new InternetAddress[0]));
            OutgoingMessage international = build(session, "intl", "Jörg <jörg@example.com>");
            transport.sendMessage(international,
                    international.getEnvelopeRecipients().toArray(new InternetAddress[0]));
        }
        List<String> commands = server.commands();
        assertEquals(List.of(
                "MAIL FROM:<relay@example.com>", "RCPT TO:<joerg@example.com>",
                "MAIL FROM:<relay@example.com>", "RCPT TO:<a@xn--bcher-kva.example>",
                "MAIL FROM:<relay@example.com> SMTPUTF8", "RCPT TO:<jörg@example.com>"),
                commands.stream().filter(c -> c.startsWith("MAIL") || c.startsWith("RCPT")).toList());
        List<String> data = server.messages();
        // plain mail: the display name RFC 2047 encoded; international mail: UTF-8 headers (RFC 6532)
        assertTrue(data.get(0).contains("To: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.com>"), data.get(0));
        assertTrue(data.get(1).contains("To: a@xn--bcher-kva.example"), data.get(1));
        assertTrue(data.get(2).contains("To: \"Jörg\" <jörg@example.com>"), data.get(2));
    }

    @Test
    void internationalMailIsRefusedBeforeAnyCommandWhenTheServerDoesNotOfferSmtpUtf8() throws Exception {
        server = new WireServer(false);
        Session session = session(server.port());
        try (SMTPTransport transport = connect(session)) {
            OutgoingMessage international = build(session, "intl", "jörg@example.com");
            SmtpUtf8NotOfferedException e = assertThrows(SmtpUtf8NotOfferedException.class, () -> transport
                    .sendMessage(international, international.getEnvelopeRecipients().toArray(new InternetAddress[0])));
            assertEquals("the SMTP server does not offer SMTPUTF8, which the address jörg@example.com needs"
                    + " (its local part is not ASCII): not sent", e.getMessage());
            DeliveryFailure failure = new SmtpReplyClassifier().classifyFailure(e);
            assertEquals(FailureKind.PERMANENT, failure.kind());
            assertEquals(e.getMessage(), failure.reason());
            // the same connection still sends plain mail
            OutgoingMessage plain = build(session, "ascii", "joerg@example.com");
            transport.sendMessage(plain, plain.getEnvelopeRecipients().toArray(new InternetAddress[0]));
        }
        assertEquals(List.of("MAIL FROM:<relay@example.com>", "RCPT TO:<joerg@example.com>"),
                server.commands().stream().filter(c -> c.startsWith("MAIL") || c.startsWith("RCPT")).toList());
        assertEquals(1, server.messages().size());
    }

    private static Session session(int port) {
        SmtpSettings settings = new SmtpSettings(Provider.SMTP, "127.0.0.1", port, SmtpSecurity.NONE, SmtpAuth.NONE,
                null, null, null, List.of(), null, 1, 10, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(5), false, true);
        return SmtpSessions.create(settings);
    }

    private static SMTPTransport connect(Session session) throws Exception {
        SMTPTransport transport = (SMTPTransport) session.getTransport("smtp");
        assertInstanceOf(SmtpUtf8Transport.class, transport);
        transport.connect();
        return transport;
    }

    private static OutgoingMessage build(Session session, String id, String to) throws Exception {
        MimeMessageBuilder builder = new MimeMessageBuilder(session, new InternetAddress("relay@example.com"),
                new AttachmentFiles(null));
        QueuedJob job = new QueuedJob(id, org.outboxrelay.job.Channel.JMS, false, new byte[1], 0,
                java.time.Instant.now(), null, "test");
        job.setMailJob(new MailJob(id, null, null, List.of(to), null, null, "Grüße", "Hallo", null, null, null,
                null, null, null));
        return builder.build(job);
    }

    /** Just enough of an SMTP server to see the commands: one connection, every command accepted. */
    private static final class WireServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<String> commands = new CopyOnWriteArrayList<>();
        private final List<String> messages = new CopyOnWriteArrayList<>();
        private final Thread thread;

        WireServer(boolean smtpUtf8) throws Exception {
            thread = new Thread(() -> serve(smtpUtf8), "wire-smtp");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve(boolean smtpUtf8) {
            try (Socket s = socket.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                reply(out, "220 wire ESMTP");
                String line;
                while ((line = in.readLine()) != null) {
                    commands.add(line);
                    String command = line.toUpperCase();
                    if (command.startsWith("EHLO")) {
                        reply(out, "250-wire\r\n250-8BITMIME\r\n" + (smtpUtf8 ? "250-SMTPUTF8\r\n" : "") + "250 OK");
                    } else if (command.equals("DATA")) {
                        reply(out, "354 go on");
                        StringBuilder data = new StringBuilder();
                        while (!(line = in.readLine()).equals(".")) {
                            data.append(line).append("\n");
                        }
                        messages.add(data.toString());
                        reply(out, "250 2.0.0 queued");
                    } else if (command.equals("QUIT")) {
                        reply(out, "221 bye");
                        return;
                    } else {
                        reply(out, "250 OK");
                    }
                }
            } catch (Exception e) {
                // the test sees what arrived until then
            }
        }

        private static void reply(OutputStream out, String text) throws Exception {
            out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        List<String> commands() throws Exception {
            thread.join(5000);
            return List.copyOf(commands);
        }

        List<String> messages() throws Exception {
            thread.join(5000);
            return List.copyOf(messages);
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
