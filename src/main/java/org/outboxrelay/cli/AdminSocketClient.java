package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The client side of the relay's admin socket (data/admin.sock, see org.outboxrelay.http.AdminSocket): one HTTP/1.1
 * request per connection, no token - the socket is the relay user's only. Plain JDK, so that it also runs as a small
 * program of its own: {@code java -cp outbox-relay.jar org.outboxrelay.cli.AdminSocketClient data/admin.sock GET
 * /api/v1/admin/queues}.
 */
public final class AdminSocketClient {

    /** An answer: status, media type and body. */
    public record Response(int status, String contentType, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final Path socket;

    public AdminSocketClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** True when a relay runs in this folder (its socket is there, or its data folder is closed to this user). */
    public boolean present() {
        Path dir = socket.toAbsolutePath().getParent();
        return Files.exists(socket) || (Files.isDirectory(dir) && !Files.isExecutable(dir));
    }

    public Response call(String method, String path) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("Permission denied")) {
                    throw new IOException("Permission denied: only the relay's user (the owner of "
                            + socket.toAbsolutePath().getParent() + ") may use it", e);
                }
                throw e;
            }
            String request = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n";
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            try {
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            } catch (IOException e) {
                // the relay may answer (a refusal) and close before reading: its answer is still there to read
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (channel.read(in) >= 0) {
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
            return parse(answer.toString(StandardCharsets.UTF_8));
        }
    }

    static Response parse(String raw) throws IOException {
        int end = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/1.1 ") || end < 0) {
            throw new IOException("the relay's socket gave no answer");
        }
        String[] head = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(head[0].split(" ")[1]);
        String type = null;
        for (int i = 1; i < head.length; i++) {
            if (head[i].toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                type = head[i].substring("content-type:".length()).trim();
            }
        }
        return new Response(status, type, raw.substring(end + 4));
    }

    /** {@code AdminSocketClient SOCKET METHOD PATH}: prints the status and the body; exit 0 for a 2xx answer. */
    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: AdminSocketClient SOCKET METHOD PATH");
            System.exit(2);
        }
        try {
            Response r = new AdminSocketClient(Path.of(args[0])).call(args[1], args[2]);
            System.out.println(r.status());
            System.out.println(r.body());
            System.exit(r.ok() ? 0 : 1);
        } catch (IOException e) {
            System.out.println("cannot use " + args[0] + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
