package org.outboxrelay.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SMTP server both the relay and Postfix deliver to, as a process of its own so that neither side gets it
 * for free: Postfix's {@code smtp-sink} (plain), or {@link BenchSink} in its own JVM (STARTTLS and AUTH, which
 * smtp-sink does not offer). Both print a running count of the messages they accepted ({@code mesg=N}); this
 * class reads it and knows when the Nth message arrived.
 */
final class SmtpSink implements AutoCloseable {

    private static final Pattern MESSAGES = Pattern.compile("mesg=(\\d+)");
    private static final Pattern BYTES = Pattern.compile("bytes=(\\d+)");
    private static final Pattern SESSIONS = Pattern.compile("sess=(\\d+)");

    /** No message for this long while more are expected: the run has stalled. */
    private static final Duration STALLED = Duration.ofSeconds(90);

    private final Process process;
    private final int port;
    private final boolean tls;
    private long count;
    private long bytes = -1;
    private long sessions;
    private Instant lastAt = Instant.now();
    private final StringBuilder output = new StringBuilder();

    private SmtpSink(Process process, int port, boolean tls) {
        this.process = process;
        this.port = port;
        this.tls = tls;
        Thread reader = new Thread(this::read, "sink-counter");
        reader.setDaemon(true);
        reader.start();
    }

    /** Postfix's smtp-sink on 127.0.0.1 (as root it must drop privileges: -u nobody). */
    static SmtpSink plain() throws Exception {
        int port = BenchSupport.freePort();
        List<String> cmd = new ArrayList<>(List.of("smtp-sink", "-c"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "nobody"));
        }
        cmd.addAll(List.of("127.0.0.1:" + port, "256"));
        SmtpSink sink = new SmtpSink(new ProcessBuilder(cmd).redirectErrorStream(true).start(), port, false);
        sink.awaitListening();
        return sink;
    }

    /** {@link BenchSink} in its own JVM: STARTTLS and AUTH PLAIN/LOGIN with bench / bench-pw. */
    static SmtpSink starttls(String classpath) throws Exception {
        int port = BenchSupport.freePort();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, BenchSink.class.getName(), String.valueOf(port));
        SmtpSink sink = new SmtpSink(new ProcessBuilder(cmd).redirectErrorStream(true).start(), port, true);
        sink.awaitOutput("ready", Duration.ofMinutes(3)); // it warms up its own code first
        return sink;
    }

    int port() {
        return port;
    }

    boolean tls() {
        return tls;
    }

    long pid() {
        return process.pid();
    }

    synchronized long count() {
        return count;
    }

    /** Bytes of message data received so far (BenchSink only; -1 for smtp-sink, which does not count them). */
    synchronized long bytes() {
        return bytes;
    }

    /** SMTP sessions (connections) so far. */
    synchronized long sessions() {
        return sessions;
    }

    /**
     * Waits until {@code n} messages in all have arrived; returns when the nth did (as seen on its output). Fails
     * when the count has not moved for {@link #STALLED} (a sender that stopped: no use waiting out the timeout).
     */
    synchronized Instant awaitCount(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Instant waitingSince = Instant.now();
        while (count < n) {
            long left = deadline - System.nanoTime();
            Instant progress = lastAt.isAfter(waitingSince) ? lastAt : waitingSince;
            boolean stalled = Duration.between(progress, Instant.now()).compareTo(STALLED) > 0;
            if (left <= 0 || stalled || !process.isAlive()) {
                throw new IllegalStateException("the sink got " + count + " of " + n + " messages"
                        + (!process.isAlive() ? " and exited" : stalled ? ", none in the last " + STALLED
                                .toSeconds() + " s" : " within " + timeout) + "; its other output: " + output);
            }
            wait(Math.max(1, Math.min(1000, left / 1_000_000)));
        }
        return lastAt;
    }

    private void read() {
        try (Reader in = new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII)) {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\r' || c == '\n') {
                    if (line.length() > 0) {
                        update(line.toString());
                        line.setLength(0);
                    }
                } else {
                    line.append((char) c);
                }
            }
        } catch (IOException e) {
            // the sink stopped
        }
    }

    private synchronized void update(String line) {
        Matcher m = MESSAGES.matcher(line);
        if (m.find()) {
            long n = Long.parseLong(m.group(1));
            if (n != count) {
                count = n;
                lastAt = Instant.now();
            }
            Matcher sess = SESSIONS.matcher(line);
            if (sess.find()) {
                sessions = Long.parseLong(sess.group(1));
            }
            Matcher b = BYTES.matcher(line);
            if (b.find()) {
                bytes = Long.parseLong(b.group(1));
            }
        } else if (output.length() < 20_000) {
            output.append(line).append('\n');
        }
        notifyAll();
    }

    private synchronized void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (output.indexOf(text) < 0) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("the sink did not start: " + output);
            }
            wait(100);
        }
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.getInputStream().read(); // the greeting, so this probe is a finished session
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("smtp-sink does not listen on " + port + ": " + output);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

}
