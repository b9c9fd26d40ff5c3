package org.outboxrelay.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * An SMTP sink for tests with several relays: it records when each message arrived (the end of DATA), its
 * Message-ID and session, how many sessions were open at once (a session ends when its QUIT arrives, before the
 * reply, or when its connection drops - so a relay that closes one connection and opens another is never
 * counted twice), and each AUTH attempt; it can refuse every sign-in (535) until told otherwise. Plain SMTP on
 * 127.0.0.1, AUTH PLAIN with any password.
 */
public final class RecordingSmtpSink implements AutoCloseable {

    /** One accepted message. */
    public record Message(Instant at, String messageId, int session, String from, List<String> recipients) {
    }

    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:\\s*(<[^>]+>)");

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final List<Instant> authAttempts = new CopyOnWriteArrayList<>();
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxOpen = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile String refuseAuth;
    private final Map<String, AtomicInteger> deferred = new java.util.concurrent.ConcurrentHashMap<>();

    public RecordingSmtpSink() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every AUTH is answered with this reply (e.g. "535 5.7.3 Authentication unsuccessful"); null: accepted. */
    public void refuseAuth(String reply) {
        this.refuseAuth = reply;
    }

    /** RCPT TO this address is answered 451 the next {@code times} times. */
    public void deferRecipient(String address, int times) {
        deferred.put(address.toLowerCase(), new AtomicInteger(times));
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    public List<Instant> authAttempts() {
        return List.copyOf(authAttempts);
    }

    public int maxOpenSessions() {
        return maxOpen.get();
    }

    public int sessionCount() {
        return sessions.get();
    }

    /** How many messages carried each Message-ID, for those that came more than once. */
    public Map<String, Integer> duplicates() {
        Map<String, Integer> count = new HashMap<>();
        messages.forEach(m -> count.merge(m.messageId(), 1, Integer::sum));
        count.values().removeIf(n -> n == 1);
        return count;
    }

    /** Distinct Message-IDs received. */
    public int distinctMessages() {
        return (int) messages.stream().map(Message::messageId).distinct().count();
    }

    public void awaitDistinct(int n, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> distinctMessages() >= n);
    }

    /**
     * The most messages that arrived within any window of the given length (each window starting at a message):
     * what a limit of N per window must keep at N.
     */
    public int mostInAnyWindow(Duration window) {
        List<Instant> at = new ArrayList<>(messages.stream().map(Message::at).sorted().toList());
        int most = 0;
        int end = 0;
        for (int start = 0; start < at.size(); start++) {
            Instant limit = at.get(start).plus(window);
            while (end < at.size() && at.get(end).isBefore(limit)) {
                end++;
            }
            most = Math.max(most, end - start);
        }
        return most;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                int id = sessions.incrementAndGet();
                int now = open.incrementAndGet();
                maxOpen.accumulateAndGet(now, Math::max);
                threads.submit(() -> serve(s, id));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, int session) {
        boolean ended = false;
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            reply(out, "220 sink ESMTP");
            String from = null;
            List<String> rcpt = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                String upper = line.toUpperCase();
                if (upper.startsWith("EHLO")) {
                    reply(out, "250-sink\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8");
                } else if (upper.startsWith("HELO")) {
                    reply(out, "250 sink");
                } else if (upper.startsWith("AUTH")) {
                    authAttempts.add(Instant.now());
                    String[] parts = line.split(" ");
                    if (parts.length < 3) {
                        reply(out, "334 ");
                        in.readLine();
                    } else {
                        Base64.getDecoder().decode(parts[2]);
                    }
                    String refuse = refuseAuth;
                    reply(out, refuse != null ? refuse : "235 2.7.0 Authentication successful");
                } else if (upper.startsWith("MAIL FROM:")) {
                    from = line.substring(10).trim();
                    rcpt.clear();
                    reply(out, "250 2.1.0 OK");
                } else if (upper.startsWith("RCPT TO:")) {
                    String address = line.substring(8).trim().replaceAll("[<>]", "").toLowerCase();
                    AtomicInteger defer = deferred.get(address);
                    if (defer != null && defer.getAndDecrement() > 0) {
                        reply(out, "451 4.3.0 try again later");
                    } else {
                        rcpt.add(address);
                        reply(out, "250 2.1.5 OK");
                    }
                } else if (upper.equals("DATA")) {
                    reply(out, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    String d;
                    while ((d = in.readLine()) != null && !d.equals(".")) {
                        data.append(d).append('\n');
                    }
                    Matcher m = MESSAGE_ID.matcher(data);
                    messages.add(new Message(Instant.now(), m.find() ? m.group(1) : "(none)", session, from,
                            List.copyOf(rcpt)));
                    reply(out, "250 2.0.0 OK queued");
                } else if (upper.equals("RSET") || upper.equals("NOOP")) {
                    reply(out, "250 2.0.0 OK");
                } else if (upper.equals("QUIT")) {
                    ended = true;
                    open.decrementAndGet();
                    reply(out, "221 2.0.0 bye");
                    return;
                } else {
                    reply(out, "502 5.5.2 not implemented");
                }
            }
        } catch (IOException e) {
            // the relay went away
        } finally {
            if (!ended) {
                open.decrementAndGet();
            }
            sockets.remove(socket);
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }
}
