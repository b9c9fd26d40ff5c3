package org.outboxrelay.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSecurity;
import org.outboxrelay.provider.SmtpSettings;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server that stops reading in the middle of a message: the write that can no longer go anywhere is cut after
 * relay.smtp.read-timeout by the one shared scheduler ({@link SmtpWriteTimeouts}), and the send fails instead of
 * hanging for good (a read timeout does not cover writes).
 */
class SmtpWriteTimeoutTest {

    private ServerSocket server;
    private final CountDownLatch data = new CountDownLatch(1);

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** Says yes to everything up to DATA's 354, then reads nothing more, and keeps the connection open. */
    private int stallingServer() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                s.setReceiveBufferSize(4096);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                out.write("220 stalling\r\n".getBytes(StandardCharsets.US_ASCII));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String reply = line.startsWith("DATA") ? "354 go on" : "250 ok";
                    out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (line.startsWith("DATA")) {
                        data.countDown();
                        server.accept().close(); // blocks until the test closes the server
                    }
                }
            } catch (IOException end) {
                // the test is over
            }
        }, "stalling-smtp");
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    @Test
    void aWriteTheServerNoLongerReadsIsCutAfterTheTimeout() throws Exception {
        int port = stallingServer();
        SmtpSettings settings = new SmtpSettings(Provider.SMTP, "127.0.0.1", port, SmtpSecurity.NONE, SmtpAuth.NONE,
                null, null, null, List.of(), null, 1, 10, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(1), false, false);
        Session session = SmtpSessions.create(settings);
        assertSame(SmtpWriteTimeouts.shared(), session.getProperties().get("mail.smtp.executor.writetimeout"));

        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("relay@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("a@example.com"));
        message.setSubject("large");
        // far more than the socket buffers of both ends hold
        message.setText(("x".repeat(76) + "\r\n").repeat(400_000));

        MessagingException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(MessagingException.class, () -> Transport.send(message)));
        assertTrue(data.getCount() == 0, "the server got to DATA");
        boolean timedOut = false;
        for (Throwable t : SmtpReplyClassifier.chain(e)) {
            timedOut |= t.getMessage() != null && t.getMessage().contains("Write timed out");
        }
        assertTrue(timedOut, () -> "cut by the write timeout: " + SmtpReplyClassifier.chain(e));
    }
}
