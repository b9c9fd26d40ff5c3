package org.outboxrelay.provider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;

/**
 * The {@code capture} provider: a real SMTP server (SubEthaSMTP) on the loopback interface that keeps every
 * accepted message as {@code data/captured/*.eml}, with its envelope in {@code Return-Path} and
 * {@code X-Envelope-To} lines on top (like a local delivery agent), so Bcc recipients remain visible.
 */
public class CaptureSmtpServer extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureSmtpServer.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    private final Path dir;
    private final int requestedPort;
    private final AtomicLong sequence = new AtomicLong();
    private SMTPServer server;

    public CaptureSmtpServer(Path dir, int port) {
        this.dir = dir;
        this.requestedPort = port;
    }

    @Override
    protected void doStart() throws Exception {
        Files.createDirectories(dir);
        server = SMTPServer.port(requestedPort)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("outbox-relay-capture")
                .softwareName("Outbox Relay capture")
                .messageHandlerFactory(this::newHandler)
                .build();
        server.start();
    }

    @Override
    protected void doStop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** The port actually listened on (useful when 0 asked for any free port). */
    public int port() {
        return server.getPortAllocated();
    }

    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    public Path dir() {
        return dir;
    }

    private MessageHandler newHandler(MessageContext ctx) {
        return new MessageHandler() {
            private String from;
            private final List<String> recipients = new ArrayList<>();

            @Override
            public void from(String from) {
                this.from = from;
            }

            @Override
            public void recipient(String recipient) {
                recipients.add(recipient);
            }

            @Override
            public String data(InputStream data) throws IOException {
                Path file = store(from, recipients, data.readAllBytes());
                return "2.0.0 Ok: captured as " + file.getFileName();
            }

            @Override
            public void done() {
            }
        };
    }

    private Path store(String from, List<String> recipients, byte[] message) {
        String name = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP) + "-" + sequence.incrementAndGet() + ".eml";
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 256);
            out.write(("Return-Path: <" + (from == null ? "" : from) + ">\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(("X-Envelope-To: " + String.join(", ", recipients) + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(message);
            Files.write(tmp, out.toByteArray());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.debug("Captured message for {} as {}", recipients, target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store captured message in " + dir, e);
        }
    }
}
