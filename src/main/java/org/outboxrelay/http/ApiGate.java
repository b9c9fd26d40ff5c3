package org.outboxrelay.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP server does around the REST routes of {@code routes/http-api.camel.yaml} and
 * {@code routes/http-admin.camel.yaml}, installed on camel-main's
 * Vert.x router when the relay starts:
 * <ul>
 * <li>every request under {@code /api/} must carry {@code Authorization: Bearer <token>} (see
 * {@link BearerTokens}); the check runs before anything else, so a request without a valid token is answered
 * {@code 401} before its body is read;</li>
 * <li>under {@code /api/v1/admin/} (dead letters, queues) the token must be an admin token: one of
 * relay.http.admin-tokens, or of relay.http.tokens when no admin tokens are set. A token that may only submit
 * is answered {@code 403}, so that an application holding it cannot retry or delete other jobs. Admin tokens
 * are accepted on the rest of the API too;</li>
 * <li>a known path with a method it does not take is a {@code 405} with {@code Allow} (from the OpenAPI
 * description), any other path a {@code 404}; a documented call that finds no route (the routes are being
 * reloaded) a {@code 503};</li>
 * <li>a failure of the server itself - above all a body larger than relay.limits.max-message-bytes, which the
 * server stops reading at the limit ({@code 413}) - is answered as problem+json too, never with a stack trace.</li>
 * </ul>
 * Everything is {@code application/problem+json}, as the routes answer their own errors. Health and metrics
 * ({@code /observe/*}, camel-main's management server) need a token as well; they are otherwise left to that
 * server. The one path served without a bearer token is {@value #PUBLIC_PATHS}: the one-click unsubscribe links
 * (routes/unsubscribe.camel.yaml), whose token in the path is an HMAC the route checks; it lies outside
 * {@code /api/} on purpose, and nothing under {@code /api/} or {@code /observe/} is ever let through without one.
 */
public class ApiGate implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(ApiGate.class);
    private static final String API_PATHS = "/api/*";
    private static final String OBSERVE_PATHS = "/observe/*";
    private static final String ADMIN_PATHS = "/api/v1/admin/*";
    /** One-click unsubscribe (RFC 8058): no bearer token, the route checks the HMAC token of the path. */
    public static final String PUBLIC_PATHS = "/u/*";

    private final BearerTokens tokens;
    private final BearerTokens adminTokens;
    private final ApiDescription description;
    /** How long a connection whose request body is still arriving stays open after its answer, at most. */
    static final long LINGER_MS = 2000;
    private final long maxBodyBytes;
    private volatile boolean installed;

    /** A gate where every token may also use the admin calls. */
    public ApiGate(BearerTokens tokens, ApiDescription description, long maxBodyBytes) {
        this(tokens, tokens, description, maxBodyBytes);
    }

    public ApiGate(BearerTokens tokens, BearerTokens adminTokens, ApiDescription description, long maxBodyBytes) {
        this.tokens = tokens;
        this.adminTokens = adminTokens;
        this.description = description;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Called once the HTTP server runs and before the routes' consumers start (and again on route reloads). */
    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        if (installed) {
            return;
        }
        VertxPlatformHttpRouter router = context.getRegistry().findByType(VertxPlatformHttpRouter.class).stream()
                .filter(VertxPlatformHttpRouter::isMainServer).findFirst()
                .orElseThrow(() -> new IllegalStateException("the HTTP server of camel-platform-http-main is not running"));
        install(router);
        // health and metrics need a token too, on this port or on a management port of their own
        router.route(OBSERVE_PATHS).order(Integer.MIN_VALUE).handler(this::authenticate);
        context.getRegistry().findByType(VertxPlatformHttpRouter.class).stream()
                .filter(r -> !r.isMainServer())
                .forEach(r -> r.route(OBSERVE_PATHS).order(Integer.MIN_VALUE).handler(this::authenticate));
        installed = true;
    }

    void install(Router router) {
        router.route(API_PATHS).order(Integer.MIN_VALUE).handler(this::authenticate);
        router.route(ADMIN_PATHS).order(Integer.MIN_VALUE + 1).handler(this::authorizeAdmin);
        List<Map.Entry<String, Set<String>>> paths = new ArrayList<>(description.operations().entrySet());
        paths.sort(Comparator.comparing(e -> e.getKey().contains("{"))); // literal paths before templates
        for (Map.Entry<String, Set<String>> path : paths) {
            Set<String> methods = path.getValue();
            router.route(vertxPath(path.getKey())).last().handler(ctx -> methodNotAllowed(ctx, methods));
        }
        router.route().last().handler(this::notFound);
        router.route().last().failureHandler(this::failed);
    }

    private void authenticate(RoutingContext ctx) {
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (tokens.accepts(authorization) || (adminTokens != tokens && adminTokens.accepts(authorization))) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"outbox-relay\"");
        send(ctx, ApiProblems.problem(401, "This call needs the header \"Authorization: Bearer <token>\" with a"
                + " token from relay.http.tokens."));
    }

    /** Runs after {@link #authenticate}: the token is valid, but is it one that may use the admin calls? */
    private void authorizeAdmin(RoutingContext ctx) {
        if (adminTokens.accepts(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
            ctx.next();
            return;
        }
        send(ctx, ApiProblems.problem(403, "The admin calls need a token from relay.http.admin-tokens; this token"
                + " may only submit mail and read its status."));
    }

    private void methodNotAllowed(RoutingContext ctx, Set<String> methods) {
        if (methods.contains(ctx.request().method().name())) {
            // a documented call whose REST route is not there: the routes are being reloaded (or failed to)
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            send(ctx, ApiProblems.problem(503, "The API's routes are being reloaded. Try again in a moment."));
            return;
        }
        String allow = String.join(", ", methods);
        ctx.response().putHeader(HttpHeaders.ALLOW, allow);
        send(ctx, ApiProblems.problem(405, ctx.request().method().name() + " is not supported on "
                + ctx.request().path() + "; use " + allow + "."));
    }

    private void notFound(RoutingContext ctx) {
        send(ctx, ApiProblems.problem(404, "There is nothing at " + ctx.request().path()
                + ". The API is described at /api/v1/openapi.json."));
    }

    private void failed(RoutingContext ctx) {
        if (ctx.response().ended() || ctx.response().closed()) {
            // answered already (a 413 whose client then went away): nothing left to say
            LOG.debug("HTTP API: {} {} failed after its answer: {}", ctx.request().method(), ctx.request().path(),
                    String.valueOf(ctx.failure()));
            return;
        }
        int status = ctx.statusCode() >= 400 ? ctx.statusCode() : 500;
        if (status == 413) {
            send(ctx, ApiProblems.problem(413, "The request body is larger than relay.limits.max-message-bytes ("
                    + maxBodyBytes + " bytes)."));
        } else if (status >= 500) {
            LOG.error("HTTP API: the server failed on {} {}", ctx.request().method(), ctx.request().path(),
                    ctx.failure());
            send(ctx, ApiProblems.problem(status, "The request failed inside the relay. Try again; the relay's log"
                    + " has the details."));
        } else {
            send(ctx, ApiProblems.problem(status, "The request cannot be handled."));
        }
    }

    /**
     * Writes the answer. When an HTTP/1.x request body was not read (it may still be arriving, and nobody will
     * read it), the connection is closed after the answer, lingering first (see {@link #closeLingering});
     * HTTP/2 ends just the request's stream.
     */
    private static void send(RoutingContext ctx, ApiReply reply) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        boolean bodyUnread = hasUnreadBody(ctx.request());
        if (bodyUnread) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.setStatusCode(reply.status()).putHeader(HttpHeaders.CONTENT_TYPE, reply.contentType())
                .end(reply.body()).onComplete(written -> {
                    if (bodyUnread) {
                        closeLingering(ctx);
                    }
                });
    }

    /**
     * Closes the connection of a request whose body is still arriving once the client has sent it, or after
     * {@link #LINGER_MS} at most, dropping what arrives meanwhile (RFC 9112, 9.6; nginx's lingering close). Closed
     * at once, a socket with unread data makes the kernel reset the connection, and the reset can take the
     * answer (a 413, a 401) with it before the client, still sending, reads it.
     */
    private static void closeLingering(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        long timer = ctx.vertx().setTimer(LINGER_MS, id -> connection.close());
        try {
            request.handler(dropped -> { });
            request.endHandler(end -> {
                ctx.vertx().cancelTimer(timer);
                connection.close();
            });
            request.resume();
        } catch (IllegalStateException ended) {
            // the body ended meanwhile: nothing is left to arrive
            ctx.vertx().cancelTimer(timer);
            connection.close();
        }
    }

    /** An HTTP/1.x request that announced a body (chunked, or a Content-Length above 0) not read to its end. */
    private static boolean hasUnreadBody(HttpServerRequest request) {
        if (request.isEnded() || request.version() == HttpVersion.HTTP_2) {
            return false;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                || (length != null && !length.trim().equals("0"));
    }

    /** {@code /api/v1/mails/{id}} as Vert.x writes it: {@code /api/v1/mails/:id}. */
    static String vertxPath(String path) {
        return path.replaceAll("\\{([^/}]+)}", ":$1");
    }
}
