package org.outboxrelay.http;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.HttpResponseStatus;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API ({@code /api/v1/admin/...}, routes/http-admin.camel.yaml) on a Unix domain socket in the data
 * folder, for the {@code queue} command on the same machine - as Postfix's postqueue talks to its local socket:
 * no token, no broker login, no network listener. Who may use it is who may read the relay's files:
 * <ul>
 * <li>the socket file is {@code rw-------} and the data folder {@code rwx------}, both the relay's user's;</li>
 * <li>each connection's peer is asked for its user (SO_PEERCRED): only the relay's own user and root are served,
 * anyone else gets {@code 403} and a line in the log.</li>
 * </ul>
 * The protocol is HTTP/1.1, one request per connection, no body: {@code curl --unix-socket data/admin.sock
 * http://localhost/api/v1/admin/queues} works too. Each request goes to the same route as over the network (found
 * from the REST definitions), so both answer alike, errors included.
 */
public class AdminSocket extends ServiceSupport {

    /** The socket's name in the data folder. */
    public static final String FILE_NAME = "admin.sock";
    public static final String PATH_PREFIX = "/api/v1/admin/";

    private static final Logger LOG = LoggerFactory.getLogger(AdminSocket.class);
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    private static final java.time.Duration REQUEST_TIMEOUT = java.time.Duration.ofSeconds(10);

    private final CamelContext context;
    private final Path dataDir;
    private final Path socket;
    private ServerSocketChannel server;
    private ProducerTemplate producer;
    private ExecutorService workers;
    private ScheduledExecutorService timer;
    private Thread acceptor;
    private String owner;

    public AdminSocket(CamelContext context, Path dataDir) {
        this.context = context;
        this.dataDir = dataDir;
        this.socket = dataDir.resolve(FILE_NAME);
    }

    public Path path() {
        return socket;
    }

    @Override
    protected void doStart() throws Exception {
        owner = System.getProperty("user.name");
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            // data/ is the relay user's only (CoreConfiguration makes it so, and warns about one that is not)
            Files.deleteIfExists(socket); // left by a relay that was killed
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            if (posix) {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException | RuntimeException e) {
            // the relay works without it: the queue command then needs the broker or the HTTP admin API
            LOG.warn("No admin socket for the queue command at {}: {}", socket.toAbsolutePath(), e.toString());
            if (server != null) {
                server.close();
                server = null;
            }
            return;
        }
        producer = context.createProducerTemplate();
        workers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "admin-socket");
            t.setDaemon(true);
            return t;
        });
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "admin-socket-timer");
            t.setDaemon(true);
            return t;
        });
        acceptor = new Thread(this::accept, "admin-socket-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("Admin API for the queue command on {} (user {} only)", socket.toAbsolutePath(), owner);
    }

    @Override
    protected void doStop() throws Exception {
        if (server == null) {
            return;
        }
        server.close();
        server = null;
        if (producer != null) {
            producer.stop();
        }
        if (workers != null) {
            workers.shutdown();
            workers.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        Files.deleteIfExists(socket);
    }

    private void accept() {
        ServerSocketChannel s = server;
        while (s != null && s.isOpen()) {
            try {
                SocketChannel client = s.accept();
                workers.execute(() -> serve(client));
            } catch (IOException e) {
                if (s.isOpen()) {
                    LOG.warn("Admin socket: accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        // a caller that sends nothing (or too slowly) is cut off: it cannot hold the socket's threads
        ScheduledFuture<?> deadline = timer.schedule(() -> closeQuietly(client), REQUEST_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
        try (client) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            // the request is read in any case: closing with it unread would reset the connection before the
            // caller reads the answer
            String request = readHead(client);
            if (!allowed(peer.user())) {
                LOG.warn("Admin socket: refused a connection of user {} (only {} and root may use it)",
                        peer.user().getName(), owner);
                write(client, ApiProblems.problem(403, "Only the relay's user (" + owner + ") may use this socket."));
                return;
            }
            write(client, answer(request));
        } catch (Exception e) {
            LOG.warn("Admin socket: a request failed: {}", e.toString());
        } finally {
            deadline.cancel(false);
        }
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("Admin socket: cannot close a connection", e);
        }
    }

    private boolean allowed(UserPrincipal user) {
        return user.getName().equals(owner) || user.getName().equals("root");
    }

    /** The request line and headers, up to the empty line. */
    private static String readHead(SocketChannel client) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST_BYTES);
        while (buffer.hasRemaining()) {
            if (client.read(buffer) < 0) {
                break;
            }
            String sofar = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
            if (sofar.contains("\r\n\r\n") || sofar.contains("\n\n")) {
                return sofar;
            }
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
    }

    /** Runs the request through the admin route of its method and path. */
    ApiReply answer(String head) {
        String[] line = head.split("\r?\n", 2)[0].split(" ");
        if (line.length < 2) {
            return ApiProblems.problem(400, "Send an HTTP/1.1 request line, e.g. GET /api/v1/admin/queues HTTP/1.1.");
        }
        String method = line[0].toUpperCase(Locale.ROOT);
        String target = line[1];
        String rawPath = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        Map<String, String> headers = new LinkedHashMap<>();
        if (target.contains("?")) {
            for (String pair : target.substring(target.indexOf('?') + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    headers.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                }
            }
        }
        if (!rawPath.startsWith(PATH_PREFIX)) {
            return ApiProblems.problem(404, "This socket serves the admin API only (" + PATH_PREFIX + "...).");
        }
        String[] requested = rawPath.split("/", -1);
        for (RestDefinition rest : context.getCamelContextExtension().getContextPlugin(Model.class)
                .getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                if (!verb.asVerb().equalsIgnoreCase(method) || verb.getTo() == null) {
                    continue;
                }
                String template = rest.getPath() + (verb.getPath() == null ? "" : verb.getPath());
                Map<String, String> params = match(template.split("/", -1), requested);
                if (params != null && template.startsWith(PATH_PREFIX.substring(0, PATH_PREFIX.length() - 1))) {
                    headers.putAll(params);
                    return call(verb.getTo().getUri(), headers);
                }
            }
        }
        return ApiProblems.problem(404, "There is nothing at " + method + " " + rawPath + ".");
    }

    private ApiReply call(String uri, Map<String, String> headers) {
        Exchange done = producer.send(uri, e -> e.getMessage().getHeaders().putAll(headers));
        if (done.getException() != null) {
            LOG.error("Admin socket: {} failed", uri, done.getException());
            return ApiProblems.problem(500, "The request failed inside the relay; its log has the details.");
        }
        Integer status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        return new ApiReply(status == null ? 200 : status,
                done.getMessage().getHeader(Exchange.CONTENT_TYPE, ApiReply.JSON, String.class),
                done.getMessage().getBody(String.class), null);
    }

    /** The path parameters when the path fits the template ({@code /dead/{id}}), else null. */
    static Map<String, String> match(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                params.put(t.substring(1, t.length() - 1), decode(path[i]));
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static void write(SocketChannel client, ApiReply reply) throws IOException {
        byte[] body = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + reply.status() + " " + HttpResponseStatus.valueOf(reply.status()).reasonPhrase()
                + "\r\nContent-Type: " + reply.contentType() + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
        out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(body).flip();
        while (out.hasRemaining()) {
            client.write(out);
        }
    }
}
