package org.outboxrelay.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * A real SMTP server for tests (SubEthaSMTP): plain, STARTTLS (optionally required) or implicit TLS, with
 * AUTH PLAIN/LOGIN, scripted failures at MAIL, RCPT and DATA, per-recipient refusals, and counts of the
 * connections it saw. Tests wait on it with {@link #awaitMessages}.
 */
public final class TestSmtpServer implements AutoCloseable {

    /** Where in the SMTP dialogue a scripted reply is given. */
    public enum Stage { MAIL, RCPT, DATA }

    private record Scripted(Stage stage, int code, String text, boolean drop) {
    }

    private final List<ReceivedMessage> messages = new ArrayList<>();
    private final Deque<Scripted> script = new ConcurrentLinkedDeque<>();
    private final Map<String, Scripted> refusedRecipients = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxOpen = new AtomicInteger();
    private final AtomicInteger transactions = new AtomicInteger();
    private final AtomicInteger logins = new AtomicInteger();
    private volatile BiPredicate<String, String> credentials;
    private volatile java.util.concurrent.CountDownLatch mailGate;
    private final AtomicInteger dataStarted = new AtomicInteger();
    private AuthenticationHandlerFactory authFactory;
    private final SMTPServer server;

    private TestSmtpServer(Builder b) {
        SMTPServer.Builder sb = SMTPServer.port(b.port)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("test-smtp")
                .messageHandlerFactory(this::handler)
                .sessionHandler(new Counter())
                .maxConnections(50);
        if (b.starttls || b.implicitTls) {
            SSLContext tls = serverTls(b.keystore);
            if (b.implicitTls) {
                sb.serverSocketFactory(tls);
            } else {
                sb.startTlsSocketFactory(tls).enableTLS().requireTLS(b.requireTls);
            }
        } else {
            sb.hideTLS();
        }
        if (b.credentials != null || b.authFactory != null) {
            this.credentials = b.credentials;
            authFactory = b.authFactory != null ? b.authFactory
                    : b.loginOnly ? new org.subethamail.smtp.auth.LoginAuthenticationHandlerFactory(this::login)
                    : new EasyAuthenticationHandlerFactory(this::login);
            sb.authenticationHandlerFactory(authFactory).requireAuth();
        }
        server = sb.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A plain server on a free port, started. */
    public static TestSmtpServer startPlain() {
        return builder().start();
    }

    public int port() {
        return server.getPortAllocated();
    }

    /** The next {@code times} mail transactions get this reply at the given stage. */
    public TestSmtpServer failNext(Stage stage, int code, String text, int times) {
        for (int i = 0; i < times; i++) {
            script.add(new Scripted(stage, code, text, false));
        }
        return this;
    }

    /** The next transaction gets this reply at MAIL FROM and the server closes the connection (like 421). */
    public TestSmtpServer dropNext(int code, String text) {
        script.add(new Scripted(Stage.MAIL, code, text, true));
        return this;
    }

    /** RCPT TO for this address always gets this reply. */
    public TestSmtpServer refuseRecipient(String address, int code, String text) {
        refusedRecipients.put(address.toLowerCase(), new Scripted(Stage.RCPT, code, text, false));
        return this;
    }

    /** Holds the reply to every MAIL FROM until the gate opens (to catch a client in a transaction). */
    public TestSmtpServer holdMailFrom(java.util.concurrent.CountDownLatch gate) {
        this.mailGate = gate;
        return this;
    }

    /** DATA phases begun (held or not). */
    public int dataStartedCount() {
        return dataStarted.get();
    }

    /** RCPT TO is accepted for this address again (the mailbox was fixed). */
    public TestSmtpServer acceptRecipient(String address) {
        refusedRecipients.remove(address.toLowerCase());
        return this;
    }

    /** RCPT TO is accepted for every address again. */
    public TestSmtpServer clearRefusals() {
        refusedRecipients.clear();
        return this;
    }

    /** Changes the accepted credentials from now on. */
    public void setCredentials(BiPredicate<String, String> credentials) {
        this.credentials = credentials;
    }

    public synchronized List<ReceivedMessage> messages() {
        return List.copyOf(messages);
    }

    /** Waits until at least {@code n} messages arrived; fails after {@code timeout}. */
    public synchronized List<ReceivedMessage> awaitMessages(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messages.size() < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("expected " + n + " message(s) within " + timeout + ", got "
                        + messages.size());
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return List.copyOf(messages);
    }

    public ReceivedMessage awaitMessage() throws InterruptedException {
        return awaitMessages(1, Duration.ofSeconds(20)).get(0);
    }

    /** Connections accepted since start. */
    public int connectionCount() {
        return connections.get();
    }

    /** Most connections open at the same time. */
    public int maxConcurrentConnections() {
        return maxOpen.get();
    }

    /** MAIL FROM commands received (successful or not). */
    public int transactionCount() {
        return transactions.get();
    }

    public int loginCount() {
        return logins.get();
    }

    public TestSmtpServer start() {
        server.start();
        return this;
    }

    public void stop() {
        server.stop();
    }

    @Override
    public void close() {
        stop();
    }

    private void login(String user, String password, MessageContext ctx) throws LoginFailedException {
        BiPredicate<String, String> check = credentials;
        if (check == null || !check.test(user, password)) {
            throw new LoginFailedException("535 5.7.8 Authentication credentials invalid");
        }
        logins.incrementAndGet();
    }

    /** For custom auth handlers (XOAUTH2) that count their successful logins. */
    public void countLogin() {
        logins.incrementAndGet();
    }

    private MessageHandler handler(MessageContext ctx) {
        return new MessageHandler() {
            private String from;
            private final List<String> recipients = new ArrayList<>();
            private Scripted scripted;

            @Override
            public void from(String from) throws RejectException {
                transactions.incrementAndGet();
                java.util.concurrent.CountDownLatch gate = mailGate;
                if (gate != null) {
                    try {
                        gate.await(); // held: the client waits for the reply to MAIL FROM
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                scripted = script.poll();
                if (scripted != null && scripted.stage == Stage.MAIL) {
                    if (scripted.drop) {
                        throw new DropConnectionException(scripted.code, scripted.text);
                    }
                    throw new RejectException(scripted.code, scripted.text);
                }
                this.from = from;
            }

            @Override
            public void recipient(String recipient) throws RejectException {
                Scripted refusal = refusedRecipients.get(recipient.toLowerCase());
                if (refusal != null) {
                    throw new RejectException(refusal.code, refusal.text);
                }
                if (scripted != null && scripted.stage == Stage.RCPT) {
                    throw new RejectException(scripted.code, scripted.text);
                }
                recipients.add(recipient);
            }

            @Override
            public String data(InputStream data) throws RejectException, IOException {
                dataStarted.incrementAndGet();
                byte[] raw = data.readAllBytes();
                if (scripted != null && scripted.stage == Stage.DATA) {
                    throw new RejectException(scripted.code, scripted.text);
                }
                synchronized (TestSmtpServer.this) {
                    messages.add(new ReceivedMessage(from, List.copyOf(recipients), raw, ctx.getSessionId(),
                            java.time.Instant.now()));
                    TestSmtpServer.this.notifyAll();
                }
                return "2.0.0 Ok: queued as " + messages.size();
            }

            @Override
            public void done() {
            }
        };
    }

    private final class Counter implements SessionHandler {
        @Override
        public SessionAcceptance accept(Session session) {
            connections.incrementAndGet();
            int now = open.incrementAndGet();
            maxOpen.accumulateAndGet(now, Math::max);
            return SessionAcceptance.success();
        }

        @Override
        public void onSessionEnd(Session session) {
            open.decrementAndGet();
        }
    }

    private static SSLContext serverTls(String keystore) {
        try (InputStream in = TestSmtpServer.class.getResourceAsStream("/tls/" + keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, "changeit".toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "changeit".toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load test key store " + keystore, e);
        }
    }

    public static final class Builder {
        private int port;
        private boolean starttls;
        private boolean requireTls;
        private boolean implicitTls;
        private String keystore = "server.p12";
        private BiPredicate<String, String> credentials;
        private AuthenticationHandlerFactory authFactory;
        private boolean loginOnly;

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Offers STARTTLS; with {@code required}, refuses mail until it is used. */
        public Builder starttls(boolean required) {
            this.starttls = true;
            this.requireTls = required;
            return this;
        }

        public Builder implicitTls() {
            this.implicitTls = true;
            return this;
        }

        /** Uses a certificate issued for another host name (wrong.example). */
        public Builder wrongHostCertificate() {
            this.keystore = "wronghost.p12";
            return this;
        }

        /** Requires AUTH PLAIN or LOGIN with these credentials. */
        public Builder login(String user, String password) {
            this.credentials = (u, p) -> user.equals(u) && password.equals(p);
            return this;
        }

        /** Requires AUTH LOGIN (the only mechanism offered) with these credentials. */
        public Builder loginMechanismOnly(String user, String password) {
            this.credentials = (u, p) -> user.equals(u) && password.equals(p);
            this.loginOnly = true;
            return this;
        }

        /** Requires AUTH with a custom mechanism. */
        public Builder auth(AuthenticationHandlerFactory factory) {
            this.authFactory = factory;
            return this;
        }

        public TestSmtpServer build() {
            return new TestSmtpServer(this);
        }

        public TestSmtpServer start() {
            return build().start();
        }
    }
}
