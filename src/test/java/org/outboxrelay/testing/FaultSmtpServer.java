package org.outboxrelay.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An SMTP server on raw sockets that misbehaves precisely, for fault-injection tests: at any stage of the
 * dialogue (greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, the message content, after the final dot) it can drop
 * the connection, stall (no answer until the client gives up or the test releases it), answer slowly, answer any
 * code, or break TLS (garbage or a close right after its {@code 220} to STARTTLS). It can offer STARTTLS (with the
 * test certificates) or omit it, require AUTH PLAIN / LOGIN / XOAUTH2, and offer PIPELINING (RFC 2920) - then
 * it holds its replies to MAIL and RCPT until the next other command arrives, so a client that waits for each
 * reply before its next command never gets one (its read timeout ends the attempt).
 * <p>
 * It records every session (a transcript, secrets masked) and every message it received in full, with whether it
 * acknowledged it: so tests can count copies of a Message-ID server-side. A message received in full but not
 * acknowledged (the connection dropped or stalled after the final dot) may count as delivered by a real server:
 * the client cannot know, which is SMTP's own window for duplicates (RFC 1047).
 */
public final class FaultSmtpServer implements AutoCloseable {

    /** Where in the dialogue a fault strikes. */
    public enum Stage {
        /** Instead of the 220 greeting. */
        GREETING,
        /** In reply to EHLO (or HELO). */
        EHLO,
        /** In reply to STARTTLS. */
        STARTTLS,
        /** In reply to AUTH, once the credentials are in. */
        AUTH,
        /** In reply to MAIL FROM. */
        MAIL,
        /** In reply to RCPT TO. */
        RCPT,
        /** In reply to DATA (instead of 354). */
        DATA,
        /** While the message content arrives, after its first line. */
        CONTENT,
        /** After the final dot (instead of 250): the server has the whole message. */
        END_OF_DATA,
        /** In reply to QUIT; the session stops counting as open when its 221 goes out. */
        QUIT
    }

    /** What happens at a stage. */
    public record Fault(Kind kind, int code, String text, Duration delay) {

        public enum Kind { DROP, STALL, SLOW, REPLY, REPLY_AND_CLOSE, TLS_GARBAGE, TLS_CLOSE }

        /** Closes the connection without a word. */
        public static Fault drop() {
            return new Fault(Kind.DROP, 0, null, null);
        }

        /** Says nothing until the client closes the connection or the test calls {@link #releaseStalls()}. */
        public static Fault stall() {
            return new Fault(Kind.STALL, 0, null, null);
        }

        /** Waits, then answers as usual. */
        public static Fault slow(Duration delay) {
            return new Fault(Kind.SLOW, 0, null, delay);
        }

        /** Answers {@code code text} instead of the usual reply (and goes on with the session). */
        public static Fault reply(int code, String text) {
            return new Fault(Kind.REPLY, code, text, null);
        }

        /** Answers {@code code text}, then closes the connection (like 421). */
        public static Fault replyAndClose(int code, String text) {
            return new Fault(Kind.REPLY_AND_CLOSE, code, text, null);
        }

        /** STARTTLS only: answers 220, then sends bytes that are not TLS. */
        public static Fault tlsGarbage() {
            return new Fault(Kind.TLS_GARBAGE, 0, null, null);
        }

        /** STARTTLS only: answers 220, then closes before the handshake. */
        public static Fault tlsClose() {
            return new Fault(Kind.TLS_CLOSE, 0, null, null);
        }
    }

    /**
     * One SMTP session (connection) as the server saw it; {@code earlyCommands} counts replies that found the
     * client's next command already sent (a client that waits for each reply has none); {@code socketReads} counts
     * the reads from the socket that returned data (commands written together arrive in one read).
     */
    public record SessionRecord(int number, List<String> transcript, boolean tls, String user, String end,
            int earlyCommands, int socketReads) {
    }

    /** What the server answered to a message it received in full. */
    public enum Answer {
        /** 250: the client knows the message is delivered. */
        ACCEPTED,
        /** 4xx or 5xx: the client knows it is not. */
        REFUSED,
        /** Nothing (dropped or stalled after the final dot): it may be delivered; the client cannot know. */
        NONE
    }

    /** One message received in full, and what the server answered. */
    public record Received(ReceivedMessage message, Answer answer) {

        public String messageId() {
            return message.header("Message-ID");
        }

        public boolean acknowledged() {
            return answer == Answer.ACCEPTED;
        }

        /** Whether the recipients may have it: accepted, or never answered. */
        public boolean mayBeDelivered() {
            return answer != Answer.REFUSED;
        }
    }

    private enum Outcome { NORMAL, REPLIED, CLOSED, REPLIED_AND_CLOSED }

    private final ServerSocket serverSocket;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-smtp");
        t.setDaemon(true);
        return t;
    });
    private final SSLContext tls;
    private final boolean offerStartTls;
    private final boolean requireTls;
    private final BiPredicate<String, String> credentials;
    private final boolean pipelining;
    private final boolean holdReplies;
    private final Map<Stage, Deque<Fault>> next = new EnumMap<>(Stage.class);
    private final Map<Stage, Fault> always = new ConcurrentHashMap<>();
    private final List<SessionState> sessions = new ArrayList<>();
    private final List<Received> received = new ArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger maxOpen = new AtomicInteger();
    private final AtomicInteger stallsStarted = new AtomicInteger();
    private final AtomicInteger stallsActive = new AtomicInteger();
    private volatile int releaseGeneration;
    private volatile boolean closed;

    private FaultSmtpServer(Builder b) throws IOException {
        for (Stage s : Stage.values()) {
            next.put(s, new ConcurrentLinkedDeque<>());
        }
        this.tls = b.keystore == null ? null : serverTls(b.keystore);
        this.offerStartTls = b.keystore != null;
        this.requireTls = b.requireTls;
        this.credentials = b.credentials;
        this.pipelining = b.pipelining;
        this.holdReplies = b.holdReplies;
        this.serverSocket = new ServerSocket(b.port, 50, InetAddress.getLoopbackAddress());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A plain server without STARTTLS and without AUTH, started. */
    public static FaultSmtpServer startPlain() {
        return builder().start();
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    // --- scripting ---------------------------------------------------------------------------------------

    /** The next session that reaches {@code stage} meets {@code fault} (once; several calls queue up). */
    public FaultSmtpServer next(Stage stage, Fault fault) {
        next.get(stage).add(fault);
        return this;
    }

    /** Every session that reaches {@code stage} meets {@code fault}, until {@link #clearFaults()}. */
    public FaultSmtpServer always(Stage stage, Fault fault) {
        always.put(stage, fault);
        return this;
    }

    public FaultSmtpServer clearFaults() {
        always.clear();
        next.values().forEach(Deque::clear);
        return this;
    }

    /** Ends every stall now: the stalled connections are closed without an answer. */
    public void releaseStalls() {
        synchronized (this) {
            releaseGeneration++;
            notifyAll();
        }
    }

    // --- what it saw -------------------------------------------------------------------------------------

    /** Messages received in full (acknowledged or not), in order. */
    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    /** Messages the server acknowledged with 250. */
    public synchronized List<ReceivedMessage> acknowledged() {
        return received.stream().filter(Received::acknowledged).map(Received::message).toList();
    }

    /**
     * How many copies of each Message-ID the recipients may have (in order of first arrival): messages received
     * in full and accepted, or never answered. A copy the server refused after the final dot does not count.
     */
    public synchronized Map<String, Long> copiesByMessageId() {
        return received.stream().filter(Received::mayBeDelivered).collect(Collectors.groupingBy(Received::messageId,
                LinkedHashMap::new, Collectors.counting()));
    }

    /** Message-IDs the recipients may have more than once. */
    public Map<String, Long> duplicates() {
        Map<String, Long> copies = copiesByMessageId();
        copies.values().removeIf(n -> n < 2);
        return copies;
    }

    public synchronized List<SessionRecord> sessions() {
        return sessions.stream().map(SessionState::record).toList();
    }

    public synchronized int sessionCount() {
        return sessions.size();
    }

    /** Most connections open at the same time. */
    public int maxConcurrentConnections() {
        return maxOpen.get();
    }

    /** Stalls begun since start, and stalls still holding a connection. */
    public int stallsStarted() {
        return stallsStarted.get();
    }

    public int stallsActive() {
        return stallsActive.get();
    }

    /** Waits until at least {@code n} messages were acknowledged; fails after {@code timeout}. */
    public synchronized List<ReceivedMessage> awaitAcknowledged(int n, Duration timeout) throws InterruptedException {
        awaitCondition(() -> acknowledgedCount() >= n, timeout, () -> "expected " + n + " acknowledged message(s)"
                + " within " + timeout + ", got " + acknowledgedCount());
        return acknowledged();
    }

    /** Waits until at least {@code n} stalls have begun. */
    public synchronized void awaitStalls(int n, Duration timeout) throws InterruptedException {
        awaitCondition(() -> stallsStarted.get() >= n, timeout, () -> "expected " + n + " stall(s) within " + timeout
                + ", got " + stallsStarted.get());
    }

    /** Waits until at least {@code n} sessions have ended. */
    public synchronized void awaitSessionsEnded(int n, Duration timeout) throws InterruptedException {
        awaitCondition(() -> sessions.stream().filter(s -> s.end != null).count() >= n, timeout,
                () -> "expected " + n + " ended session(s) within " + timeout);
    }

    private long acknowledgedCount() {
        return received.stream().filter(Received::acknowledged).count();
    }

    private void awaitCondition(java.util.function.BooleanSupplier done, Duration timeout,
            java.util.function.Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(failure.get());
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    // --- lifecycle ---------------------------------------------------------------------------------------

    public FaultSmtpServer start() {
        threads.execute(this::acceptLoop);
        return this;
    }

    @Override
    public void close() {
        closed = true;
        releaseStalls();
        try {
            serverSocket.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = serverSocket.accept();
                open.add(s);
                maxOpen.accumulateAndGet(open.size(), Math::max);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    // --- one session -------------------------------------------------------------------------------------

    private final class SessionState {
        final int number;
        final List<String> transcript = new ArrayList<>();
        final AtomicInteger earlyCommands = new AtomicInteger();
        final AtomicInteger socketReads = new AtomicInteger();
        boolean tls;
        String user;
        String end;

        SessionState(int number) {
            this.number = number;
        }

        SessionRecord record() {
            synchronized (FaultSmtpServer.this) {
                return new SessionRecord(number, List.copyOf(transcript), tls, user, end, earlyCommands.get(),
                        socketReads.get());
            }
        }

        void log(String line) {
            synchronized (FaultSmtpServer.this) {
                transcript.add(line);
            }
        }
    }

    /** The connection: its streams change when STARTTLS upgrades it. */
    private static final class Connection {
        Socket socket;
        InputStream in;
        OutputStream out;
        /** Replies written while {@link #hold} is on, sent together by {@link #release()}. */
        final StringBuilder held = new StringBuilder();
        boolean hold;
        /** Replies that found the client's next command already waiting: the client did not wait for them. */
        final AtomicInteger earlyCommands;
        final AtomicInteger socketReads;

        Connection(Socket socket, AtomicInteger earlyCommands, AtomicInteger socketReads) throws IOException {
            this.earlyCommands = earlyCommands;
            this.socketReads = socketReads;
            use(socket);
        }

        void use(Socket s) throws IOException {
            socket = s;
            in = new BufferedInputStream(new FilterInputStream(s.getInputStream()) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        socketReads.incrementAndGet();
                    }
                    return n;
                }
            });
            out = s.getOutputStream();
        }

        /** A line without its CRLF, or null at the end of the stream. */
        String readLine() throws IOException {
            byte[] line = readRawLine();
            if (line == null) {
                return null;
            }
            int n = line.length;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
                n--;
            }
            return new String(line, 0, n, StandardCharsets.UTF_8);
        }

        /** A line with its line end, or null at the end of the stream. */
        byte[] readRawLine() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                buf.write(c);
                if (c == '\n') {
                    return buf.toByteArray();
                }
            }
            return buf.size() == 0 ? null : buf.toByteArray();
        }

        void write(String text) throws IOException {
            if (hold) {
                held.append(text);
                return;
            }
            if (in.available() > 0) {
                earlyCommands.incrementAndGet();
            }
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Sends the held replies, in order, and answers at once from now on. */
        void release() throws IOException {
            hold = false;
            if (!held.isEmpty()) {
                String text = held.toString();
                held.setLength(0);
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private void serve(Socket socket) {
        SessionState session;
        synchronized (this) {
            session = new SessionState(sessions.size() + 1);
            sessions.add(session);
            notifyAll();
        }
        String end = "closed by the client";
        try {
            Connection c = new Connection(socket, session.earlyCommands, session.socketReads);
            end = dialogue(session, c, socket);
        } catch (SocketException e) {
            end = "connection reset: " + e.getMessage();
        } catch (IOException e) {
            end = "I/O failure: " + e;
        } catch (InterruptedException e) {
            end = "server stopped";
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(socket);
            open.remove(socket);
            synchronized (this) {
                session.end = end;
                notifyAll();
            }
        }
    }

    private String dialogue(SessionState session, Connection c, Socket accepted)
            throws IOException, InterruptedException {
        Outcome greeting = step(session, c, Stage.GREETING, () -> reply(session, c, 220, "fault-smtp ESMTP ready"));
        if (closed(greeting)) {
            return "fault at GREETING";
        }
        boolean authenticated = false;
        String from = null;
        List<String> recipients = new ArrayList<>();
        while (true) {
            String line = c.readLine();
            if (line == null) {
                return "closed by the client";
            }
            String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
            session.log("C: " + (verb.equals("AUTH") ? masked(line) : line));
            // RFC 2920: a pipelining client sends MAIL, its RCPTs and DATA without waiting; this server answers
            // the group only when a command other than RCPT arrives (a client that waits never hears back)
            if (holdReplies && (verb.equals("MAIL") || verb.equals("RCPT") && c.hold)) {
                c.hold = true;
            } else {
                c.release();
            }
            switch (verb) {
                case "EHLO", "HELO" -> {
                    boolean tlsNow = session.tls;
                    boolean auth = authenticated;
                    Outcome o = step(session, c, Stage.EHLO, () -> ehlo(session, c, verb, tlsNow, auth));
                    if (closed(o)) {
                        return "fault at EHLO";
                    }
                }
                case "STARTTLS" -> {
                    if (!offerStartTls || session.tls) {
                        reply(session, c, 502, "5.5.1 STARTTLS not offered");
                        continue;
                    }
                    Outcome o = step(session, c, Stage.STARTTLS, () -> reply(session, c, 220, "2.0.0 Ready to start TLS"));
                    if (closed(o)) {
                        return "fault at STARTTLS";
                    }
                    if (o == Outcome.NORMAL) {
                        SSLSocket upgraded = (SSLSocket) tls.getSocketFactory().createSocket(c.socket,
                                c.socket.getInetAddress().getHostAddress(), c.socket.getPort(), true);
                        upgraded.setUseClientMode(false);
                        try {
                            upgraded.startHandshake();
                        } catch (IOException e) {
                            return "TLS handshake failed: " + e.getMessage();
                        }
                        open.add(upgraded);
                        c.use(upgraded);
                        session.tls = true;
                        authenticated = false; // RFC 3207: forget everything learnt before TLS
                        from = null;
                        recipients.clear();
                        session.log("-- TLS " + upgraded.getSession().getProtocol());
                    }
                }
                case "AUTH" -> {
                    if (credentials == null) {
                        reply(session, c, 502, "5.5.1 AUTH not offered");
                        continue;
                    }
                    if (requireTls && !session.tls) {
                        reply(session, c, 530, "5.7.0 Must issue a STARTTLS command first");
                        continue;
                    }
                    String[] login = readCredentials(session, c, line);
                    if (login == null) {
                        return "closed by the client during AUTH";
                    }
                    boolean ok = login.length == 2 && credentials.test(login[0], login[1]);
                    Outcome o = step(session, c, Stage.AUTH, () -> {
                        if (ok) {
                            reply(session, c, 235, "2.7.0 Authentication successful");
                        } else {
                            reply(session, c, 535, "5.7.8 Authentication credentials invalid");
                        }
                    });
                    if (closed(o)) {
                        return "fault at AUTH";
                    }
                    if (o == Outcome.NORMAL && ok) {
                        authenticated = true;
                        synchronized (this) {
                            session.user = login[0];
                        }
                    }
                }
                case "MAIL" -> {
                    if (requireTls && !session.tls) {
                        reply(session, c, 530, "5.7.0 Must issue a STARTTLS command first");
                        continue;
                    }
                    if (credentials != null && !authenticated) {
                        reply(session, c, 530, "5.7.57 Client not authenticated to send mail");
                        continue;
                    }
                    Outcome o = step(session, c, Stage.MAIL, () -> reply(session, c, 250, "2.1.0 Sender OK"));
                    if (closed(o)) {
                        return "fault at MAIL";
                    }
                    if (o == Outcome.NORMAL) {
                        from = address(line);
                        recipients.clear();
                    }
                }
                case "RCPT" -> {
                    if (from == null) {
                        reply(session, c, 503, "5.5.1 MAIL first");
                        continue;
                    }
                    Outcome o = step(session, c, Stage.RCPT, () -> reply(session, c, 250, "2.1.5 Recipient OK"));
                    if (closed(o)) {
                        return "fault at RCPT";
                    }
                    if (o == Outcome.NORMAL) {
                        recipients.add(address(line));
                    }
                }
                case "DATA" -> {
                    // a fault at DATA strikes even without an accepted recipient (a pipelining client sends DATA
                    // before it knows), so a test can have a server answer 354 where it should not
                    boolean ready = from != null && !recipients.isEmpty();
                    Outcome o = step(session, c, Stage.DATA, () -> {
                        if (ready) {
                            reply(session, c, 354, "Start mail input; end with <CRLF>.<CRLF>");
                        } else {
                            reply(session, c, 503, "5.5.1 RCPT first");
                        }
                    });
                    if (closed(o)) {
                        return "fault at DATA";
                    }
                    if (o == Outcome.REPLIED || !ready) {
                        continue;
                    }
                    byte[] message = readContent(session, c);
                    if (message == null) {
                        return "fault at CONTENT or closed by the client during DATA";
                    }
                    ReceivedMessage m = new ReceivedMessage(from, List.copyOf(recipients), message,
                            String.valueOf(session.number), Instant.now());
                    int index;
                    synchronized (this) {
                        received.add(new Received(m, Answer.NONE));
                        index = received.size() - 1;
                        notifyAll();
                    }
                    from = null;
                    recipients.clear();
                    Outcome end = step(session, c, Stage.END_OF_DATA, () -> {
                        synchronized (this) {
                            received.set(index, new Received(m, Answer.ACCEPTED));
                            notifyAll();
                        }
                        reply(session, c, 250, "2.0.0 OK queued as " + session.number + "-" + index);
                    });
                    if (end == Outcome.REPLIED || end == Outcome.REPLIED_AND_CLOSED) {
                        synchronized (this) {
                            received.set(index, new Received(m, Answer.REFUSED));
                        }
                    }
                    if (end == Outcome.CLOSED || end == Outcome.REPLIED_AND_CLOSED) {
                        return "fault at END_OF_DATA";
                    }
                }
                case "RSET" -> {
                    from = null;
                    recipients.clear();
                    reply(session, c, 250, "2.0.0 OK");
                }
                case "NOOP" -> reply(session, c, 250, "2.0.0 OK");
                case "QUIT" -> {
                    // the session ends with the reply to QUIT: a client that opens its next connection only once
                    // it has that reply is never counted twice (maxConcurrentConnections)
                    step(session, c, Stage.QUIT, () -> {
                        open.remove(accepted);
                        open.remove(c.socket);
                        reply(session, c, 221, "2.0.0 Bye");
                    });
                    return "QUIT";
                }
                default -> reply(session, c, 500, "5.5.1 Command unrecognized");
            }
        }
    }

    private static boolean closed(Outcome o) {
        return o == Outcome.CLOSED || o == Outcome.REPLIED_AND_CLOSED;
    }

    private interface Action {
        void run() throws IOException;
    }

    /** Runs the stage as usual, or its fault. */
    private Outcome step(SessionState session, Connection c, Stage stage, Action normal)
            throws IOException, InterruptedException {
        Fault fault = next.get(stage).poll();
        if (fault == null) {
            fault = always.get(stage);
        }
        if (fault == null) {
            normal.run();
            return Outcome.NORMAL;
        }
        session.log("-- fault at " + stage + ": " + fault.kind());
        switch (fault.kind()) {
            case DROP -> {
                closeQuietly(c.socket);
                return Outcome.CLOSED;
            }
            case STALL -> {
                stall(c);
                closeQuietly(c.socket);
                return Outcome.CLOSED;
            }
            case SLOW -> {
                Thread.sleep(fault.delay().toMillis());
                normal.run();
                return Outcome.NORMAL;
            }
            case REPLY -> {
                reply(session, c, fault.code(), fault.text());
                return Outcome.REPLIED;
            }
            case REPLY_AND_CLOSE -> {
                reply(session, c, fault.code(), fault.text());
                c.release(); // a reply held for pipelining goes out before the close
                closeQuietly(c.socket);
                return Outcome.REPLIED_AND_CLOSED;
            }
            case TLS_GARBAGE -> {
                reply(session, c, 220, "2.0.0 Ready to start TLS");
                c.out.write("this is not TLS at all\r\n".repeat(4).getBytes(StandardCharsets.US_ASCII));
                c.out.flush();
                closeQuietly(c.socket);
                return Outcome.CLOSED;
            }
            case TLS_CLOSE -> {
                reply(session, c, 220, "2.0.0 Ready to start TLS");
                closeQuietly(c.socket);
                return Outcome.CLOSED;
            }
            default -> throw new IllegalStateException(fault.kind().name());
        }
    }

    /** No answer until the client closes (its read timeout) or the test releases the stall. */
    private void stall(Connection c) throws IOException, InterruptedException {
        int generation = releaseGeneration;
        stallsActive.incrementAndGet();
        synchronized (this) {
            stallsStarted.incrementAndGet();
            notifyAll();
        }
        try {
            c.socket.setSoTimeout(50);
            while (releaseGeneration == generation && !closed) {
                try {
                    if (c.in.read() == -1) {
                        return; // the client gave up
                    }
                } catch (SocketTimeoutException e) {
                    // still stalling
                } catch (SocketException e) {
                    return;
                }
            }
        } finally {
            stallsActive.decrementAndGet();
        }
    }

    private void ehlo(SessionState session, Connection c, String verb, boolean tlsNow, boolean authenticated)
            throws IOException {
        if (verb.equals("HELO")) {
            reply(session, c, 250, "fault-smtp");
            return;
        }
        List<String> lines = new ArrayList<>(List.of("fault-smtp", "8BITMIME", "ENHANCEDSTATUSCODES",
                "SIZE 36700160"));
        if (offerStartTls && !tlsNow) {
            lines.add("STARTTLS");
        }
        if (credentials != null && !authenticated && (tlsNow || !requireTls)) {
            lines.add("AUTH PLAIN LOGIN XOAUTH2");
        }
        if (pipelining) {
            lines.add("PIPELINING");
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            out.append("250").append(i == lines.size() - 1 ? ' ' : '-').append(lines.get(i)).append("\r\n");
        }
        session.log("S: " + out.toString().trim().replace("\r\n", " | "));
        c.write(out.toString());
    }

    private void reply(SessionState session, Connection c, int code, String text) throws IOException {
        String line = code + (text == null || text.isEmpty() ? "" : " " + text);
        session.log("S: " + line);
        c.write(line + "\r\n");
    }

    /** The user and secret of AUTH PLAIN, LOGIN or XOAUTH2; null when the client went away. */
    private String[] readCredentials(SessionState session, Connection c, String line) throws IOException {
        String[] parts = line.split(" ");
        String mechanism = parts.length > 1 ? parts[1].toUpperCase(Locale.ROOT) : "";
        String initial = parts.length > 2 ? parts[2] : null;
        switch (mechanism) {
            case "PLAIN" -> {
                if (initial == null) {
                    reply(session, c, 334, "");
                    initial = c.readLine();
                    if (initial == null) {
                        return null;
                    }
                }
                String[] fields = decode(initial).split("\0", -1);
                return fields.length == 3 ? new String[] {fields[1], fields[2]} : new String[0];
            }
            case "LOGIN" -> {
                String user = initial;
                if (user == null) {
                    reply(session, c, 334, "VXNlcm5hbWU6");
                    user = c.readLine();
                }
                if (user == null) {
                    return null;
                }
                reply(session, c, 334, "UGFzc3dvcmQ6");
                String password = c.readLine();
                return password == null ? null : new String[] {decode(user), decode(password)};
            }
            case "XOAUTH2" -> {
                if (initial == null) {
                    reply(session, c, 334, "");
                    initial = c.readLine();
                    if (initial == null) {
                        return null;
                    }
                }
                String user = null;
                String token = null;
                for (String field : decode(initial).split("\u0001")) {
                    if (field.startsWith("user=")) {
                        user = field.substring(5);
                    } else if (field.startsWith("auth=Bearer ")) {
                        token = field.substring(12);
                    }
                }
                return user != null && token != null ? new String[] {user, token} : new String[0];
            }
            default -> {
                return new String[0];
            }
        }
    }

    /** The message content up to the final dot, dot-stuffing undone; null when the connection ended first. */
    private byte[] readContent(SessionState session, Connection c) throws IOException, InterruptedException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        boolean first = true;
        while (true) {
            byte[] line = c.readRawLine();
            if (line == null) {
                return null;
            }
            if (first) {
                first = false;
                if (closed(step(session, c, Stage.CONTENT, () -> { }))) {
                    return null;
                }
            }
            String text = new String(line, StandardCharsets.ISO_8859_1);
            if (text.equals(".\r\n") || text.equals(".\n")) {
                return message.toByteArray();
            }
            int from = text.startsWith("..") ? 1 : 0;
            message.write(line, from, line.length - from);
        }
    }

    private static String address(String command) {
        int open = command.indexOf('<');
        int close = command.indexOf('>', open + 1);
        return open >= 0 && close > open ? command.substring(open + 1, close) : command;
    }

    private static String masked(String authLine) {
        String[] parts = authLine.split(" ");
        return parts.length > 2 ? parts[0] + " " + parts[1] + " ****" : authLine;
    }

    private static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is all we want
        }
    }

    private static SSLContext serverTls(String keystore) {
        try (InputStream in = FaultSmtpServer.class.getResourceAsStream("/tls/" + keystore)) {
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
        private String keystore;
        private boolean requireTls;
        private BiPredicate<String, String> credentials;
        private boolean pipelining;
        private boolean holdReplies;

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Offers STARTTLS with the test certificate for localhost / 127.0.0.1 (tls/server.pem). */
        public Builder starttls() {
            this.keystore = "server.p12";
            return this;
        }

        /** Offers STARTTLS with a certificate issued for another host name (tls/wronghost.pem). */
        public Builder starttlsWrongHost() {
            this.keystore = "wronghost.p12";
            return this;
        }

        /** Refuses AUTH and MAIL before STARTTLS (needs {@link #starttls()}). */
        public Builder requireTls() {
            this.requireTls = true;
            return this;
        }

        /** Requires AUTH (PLAIN, LOGIN or XOAUTH2; for XOAUTH2 the secret is the bearer token). */
        public Builder login(String user, String secret) {
            this.credentials = (u, p) -> user.equals(u) && secret.equals(p);
            return this;
        }

        /**
         * Offers PIPELINING and holds its replies to MAIL and RCPT until the client's next other command (DATA,
         * RSET, QUIT...): only a client that pipelines gets its message through.
         */
        public Builder pipelining() {
            this.pipelining = true;
            this.holdReplies = true;
            return this;
        }

        /** Offers PIPELINING but answers every command at once (a client that does not pipeline gets through). */
        public Builder offerPipelining() {
            this.pipelining = true;
            return this;
        }

        public FaultSmtpServer start() {
            try {
                return new FaultSmtpServer(this).start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
