package org.outboxrelay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * The SMTP sink of the STARTTLS + AUTH benchmark, run as a process of its own ({@code java -cp ... BenchSink PORT}):
 * SubEthaSMTP on 127.0.0.1 offering STARTTLS (the test certificate for {@code localhost}) and AUTH PLAIN/LOGIN
 * (bench / bench-pw, both required), accepting every message and keeping none. Like smtp-sink {@code -c} it prints
 * a running count ({@code sess=S mesg=N bytes=B}) after each message. Before it prints {@code ready} it sends itself
 * messages over STARTTLS + AUTH for a while, so that its own code is compiled before anything is measured against
 * it.
 */
public final class BenchSink {

    private static final String USER = "bench";
    private static final String PASSWORD = "bench-pw";
    private static final int WARM_UP_MESSAGES = 6000;

    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong sessions = new AtomicLong();
    private volatile boolean counting;
    private final PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);

    public static void main(String[] args) throws Exception {
        new BenchSink().run(Integer.parseInt(args[0]));
    }

    private void run(int port) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers(), null, null);
        SMTPServer server = SMTPServer.port(port)
                .bindAddress(InetAddress.getByName("127.0.0.1"))
                .hostName("bench-sink")
                .maxConnections(100)
                .messageHandlerFactory(this::handler)
                .sessionHandler(new org.subethamail.smtp.server.SessionHandler() {
                    @Override
                    public SessionAcceptance accept(org.subethamail.smtp.server.Session session) {
                        if (counting) {
                            sessions.incrementAndGet();
                        }
                        return SessionAcceptance.success();
                    }

                    @Override
                    public void onSessionEnd(org.subethamail.smtp.server.Session session) {
                    }
                })
                .startTlsSocketFactory(tls).enableTLS().requireTLS(true)
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory(BenchSink::login)).requireAuth()
                .build();
        server.start();
        warmUp(port);
        counting = true;
        out.println("ready port=" + port);
        out.flush();
        Thread.currentThread().join(); // until the benchmark stops this process
    }

    private static void login(String user, String password, MessageContext ctx) throws LoginFailedException {
        if (!USER.equals(user) || !PASSWORD.equals(password)) {
            throw new LoginFailedException("535 5.7.8 Authentication credentials invalid");
        }
    }

    private MessageHandler handler(MessageContext ctx) {
        return new MessageHandler() {
            @Override
            public void from(String from) {
            }

            @Override
            public void recipient(String recipient) {
            }

            @Override
            public String data(InputStream data) throws IOException {
                long size = data.transferTo(java.io.OutputStream.nullOutputStream());
                if (counting) {
                    long n = messages.incrementAndGet();
                    long b = bytes.addAndGet(size);
                    synchronized (out) {
                        out.print("sess=" + sessions.get() + " mesg=" + n + " bytes=" + b + "\n");
                        out.flush();
                    }
                }
                return null;
            }

            @Override
            public void done() {
            }
        };
    }

    /** Sends itself messages over STARTTLS + AUTH on a few reused connections. */
    private static void warmUp(int port) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "localhost");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        // the relay's own trust: the system's authorities plus the sink's (test) certificate
        p.put("mail.smtp.ssl.socketFactory", org.outboxrelay.provider.TrustStores.socketFactory(
                Path.of("src/test/resources/tls/server.pem")));
        Session session = Session.getInstance(p);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    for (int c = 0; c < WARM_UP_MESSAGES / threads.length / 100; c++) {
                        try (Transport transport = session.getTransport("smtp")) {
                            transport.connect(USER, PASSWORD);
                            for (int i = 0; i < 100; i++) {
                                MimeMessage m = new MimeMessage(session);
                                m.setFrom(new InternetAddress("warm-up@example.com"));
                                m.setRecipient(Message.RecipientType.TO, new InternetAddress("sink@example.com"));
                                m.setSubject("warm-up");
                                m.setText(BenchJobs.body(1000).replace("\\n", "\n"));
                                transport.sendMessage(m, m.getAllRecipients());
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private static KeyManagerFactory keyManagerFactory() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = BenchSink.class.getResourceAsStream("/tls/server.p12")) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        return kmf;
    }

    private static javax.net.ssl.KeyManager[] keyManagers() throws Exception {
        return keyManagerFactory().getKeyManagers();
    }
}
