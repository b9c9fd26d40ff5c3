package org.outboxrelay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that holds every byte for half a round trip in each direction, in front of the sink:
 * a distant SMTP server (Outlook's is 20-100 ms away) for {@code bench/vs-postfix --rtt MS}, which loopback
 * cannot be (no netem here). Each direction of each connection has a reader that stamps what it read with the time
 * it is due and a writer that sends it then, in order; so commands sent together arrive together, and a client
 * that waits for each reply pays the round trip each time.
 */
final class LatencyProxy implements AutoCloseable {

    private record Chunk(long dueNanos, byte[] bytes) {
    }

    private static final Chunk END = new Chunk(0, new byte[0]);

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final int targetPort;
    private final long halfRoundTripNanos;

    LatencyProxy(int targetPort, Duration roundTrip) throws IOException {
        this.targetPort = targetPort;
        this.halfRoundTripNanos = roundTrip.toNanos() / 2;
        daemon("latency-proxy", this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                pipe(client, target);
                pipe(target, client);
            } catch (IOException e) {
                // closed, or the sink refused: the client sees its connection end
            }
        }
    }

    /** from's bytes to to, each one half a round trip later than it arrived. */
    private void pipe(Socket from, Socket to) throws IOException {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        daemon("latency-read", () -> {
            byte[] buf = new byte[16384];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    queue.add(new Chunk(System.nanoTime() + halfRoundTripNanos, Arrays.copyOf(buf, n)));
                }
            } catch (IOException e) {
                // the connection ended
            }
            queue.add(END);
        });
        daemon("latency-write", () -> {
            try {
                while (true) {
                    Chunk c = queue.take();
                    if (c == END) {
                        break;
                    }
                    long wait;
                    while ((wait = c.dueNanos() - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(c.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            closeQuietly(from);
            closeQuietly(to);
        });
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is all we wanted
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
