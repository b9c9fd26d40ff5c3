package org.outboxrelay.console;

import java.net.URI;
import java.util.Optional;
import java.util.Set;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.outboxrelay.console.ConsoleSessions.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP server does in front of the console's routes ({@code /console/*}), installed on camel-main's
 * Vert.x router when the relay starts:
 * <ul>
 * <li>every answer carries a strict Content-Security-Policy (scripts and styles only from the console's own files,
 * nothing inline, no framing), {@code nosniff}, no referrer, and {@code no-store} for data; the frame that shows a
 * mail's HTML gets a policy of its own: sandboxed, no scripts, inline styles and {@code data:} images only, remote
 * images only when asked for ({@code ?remote=true});</li>
 * <li>everything but the page itself, its files and the sign-in needs a valid session cookie ({@code 401}
 * otherwise, with nothing else in the answer);</li>
 * <li>everything that changes something is a {@code POST}, refused ({@code 403}) when it comes from another site
 * ({@code Sec-Fetch-Site}, {@code Origin} not this host) or - once signed in - without the session's CSRF token in
 * {@code X-CSRF-Token}; the sign-in takes JSON only, which a cross-site form cannot send;</li>
 * <li>the session cookie is marked {@code Secure} when the console is served over TLS (directly, or through a
 * proxy that says {@code X-Forwarded-Proto: https}).</li>
 * </ul>
 */
public class ConsoleGate implements StartupListener {

    public static final String BASE = "/console";
    public static final String CSRF_HEADER = "X-CSRF-Token";

    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    static final String FRAME_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; font-src data:;"
            + " img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";
    static final String FRAME_POLICY_REMOTE_IMAGES = FRAME_POLICY.replace("img-src data:;",
            "img-src data: https: http:;");

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleGate.class);
    private static final Set<HttpMethod> READ = Set.of(HttpMethod.GET, HttpMethod.HEAD);

    private final ConsoleSessions sessions;
    private final boolean enabled;
    private volatile boolean installed;

    /** @param enabled relay.console.enabled: when false, everything under /console is a 404 */
    public ConsoleGate(ConsoleSessions sessions, boolean enabled) {
        this.sessions = sessions;
        this.enabled = enabled;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        if (installed) {
            return;
        }
        VertxPlatformHttpRouter router = context.getRegistry().findByType(VertxPlatformHttpRouter.class).stream()
                .filter(VertxPlatformHttpRouter::isMainServer).findFirst()
                .orElseThrow(() -> new IllegalStateException("the HTTP server of camel-platform-http-main is not running"));
        install(router);
        installed = true;
    }

    void install(Router router) {
        if (!enabled) {
            router.routeWithRegex("^" + BASE + "(/.*)?$").order(Integer.MIN_VALUE)
                    .handler(ctx -> refuse(ctx, 404, "The console is off (relay.console.enabled=false)."));
            return;
        }
        router.routeWithRegex("^" + BASE + "$").order(Integer.MIN_VALUE).handler(ctx -> ctx.redirect(BASE + "/"));
        router.route(BASE + "/*").order(Integer.MIN_VALUE).handler(this::guard);
    }

    private void guard(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = ctx.normalizedPath();
        boolean frame = path.startsWith(BASE + "/api/") && path.endsWith("/html");
        boolean remoteImages = frame && "true".equalsIgnoreCase(request.getParam("remote"));
        boolean tls = request.isSSL() || "https".equalsIgnoreCase(request.getHeader("X-Forwarded-Proto"));
        ctx.addHeadersEndHandler(v -> securityHeaders(ctx.response(), frame, remoteImages, path, tls));

        boolean read = READ.contains(request.method());
        if (!read && request.method() != HttpMethod.POST) {
            ctx.response().putHeader(HttpHeaders.ALLOW, "GET, POST");
            refuse(ctx, 405, "The console takes GET, and POST for changes.");
            return;
        }
        if (!read) {
            String crossSite = crossSite(request);
            if (crossSite != null) {
                LOG.warn("Console: refused a cross-site {} {} ({})", request.method(), path, crossSite);
                refuse(ctx, 403, "Cross-site request refused.");
                return;
            }
        }
        if (isPublic(path, request.method())) {
            if (!read && !isJson(request)) {
                refuse(ctx, 415, "Sign in with application/json.");
                return;
            }
            ctx.next();
            return;
        }
        Cookie cookie = request.getCookie(ConsoleSessions.COOKIE);
        if (cookie == null) {
            refuse(ctx, 401, "Sign in first.");
            return;
        }
        // the session check may ask the job store (signed-out sessions): off the event loop
        request.pause();
        ctx.vertx().<Optional<Session>>executeBlocking(() -> sessions.verify(cookie.getValue()), false)
                .onComplete(result -> {
                    request.resume();
                    if (result.failed()) {
                        LOG.error("Console: cannot check a session", result.cause());
                        refuse(ctx, 503, "The session cannot be checked just now (job store). Try again.");
                        return;
                    }
                    Optional<Session> session = result.result();
                    if (session.isEmpty()) {
                        refuse(ctx, 401, "Your session has ended. Sign in again.");
                        return;
                    }
                    if (!read && !sessions.csrfMatches(session.get(), request.getHeader(CSRF_HEADER))) {
                        LOG.warn("Console: refused {} {} without the session's CSRF token", request.method(), path);
                        refuse(ctx, 403, "This change needs the console's " + CSRF_HEADER + " header.");
                        return;
                    }
                    ctx.next();
                });
    }

    /** The page and its files, whether signed in, and signing in. */
    private static boolean isPublic(String path, HttpMethod method) {
        if (method == HttpMethod.POST) {
            return path.equals(BASE + "/api/session");
        }
        return path.equals(BASE + "/") || path.startsWith(BASE + "/assets/") || path.equals(BASE + "/api/session");
    }

    private static boolean isJson(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return type != null && type.toLowerCase().startsWith("application/json");
    }

    /**
     * Why a request that changes something is cross-site, or null: a browser says where it comes from in
     * Sec-Fetch-Site (only same-origin passes) and Origin (must be this host). A client that sends neither (curl)
     * still needs the session's CSRF token, which it can only have read from the console itself.
     */
    static String crossSite(HttpServerRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin")) {
            return "Sec-Fetch-Site: " + site;
        }
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin == null) {
            return null;
        }
        // Host over HTTP/1.1, :authority over HTTP/2
        HostAndPort authority = request.authority();
        String host = authority == null ? null
                : authority.port() > 0 ? authority.host() + ":" + authority.port() : authority.host();
        String forwardedHost = request.getHeader("X-Forwarded-Host");
        String originHost = hostOf(origin);
        if (originHost != null && (originHost.equalsIgnoreCase(withPort(host, request.isSSL()))
                || originHost.equalsIgnoreCase(withPort(forwardedHost, true))
                || originHost.equalsIgnoreCase(withPort(forwardedHost, false)))) {
            return null;
        }
        return "Origin: " + origin;
    }

    /** host:port of an origin, with the scheme's default port. */
    static String hostOf(String origin) {
        try {
            URI uri = URI.create(origin.trim());
            if (uri.getHost() == null) {
                return null;
            }
            int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            return uri.getHost() + ":" + port;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String withPort(String host, boolean tls) {
        if (host == null) {
            return null;
        }
        String h = host.trim();
        boolean hasPort = h.startsWith("[") ? h.contains("]:") : h.contains(":");
        return hasPort ? h : h + ":" + (tls ? 443 : 80);
    }

    private static void securityHeaders(HttpServerResponse response, boolean frame, boolean remoteImages,
            String path, boolean tls) {
        response.putHeader("Content-Security-Policy", frame
                ? remoteImages ? FRAME_POLICY_REMOTE_IMAGES : FRAME_POLICY : PAGE_POLICY);
        response.putHeader("X-Frame-Options", frame ? "SAMEORIGIN" : "DENY");
        response.putHeader("X-Content-Type-Options", "nosniff");
        response.putHeader("Referrer-Policy", "no-referrer");
        response.putHeader("Cross-Origin-Opener-Policy", "same-origin");
        response.putHeader("Cross-Origin-Resource-Policy", "same-origin");
        response.putHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
        response.putHeader(HttpHeaders.CACHE_CONTROL, path.startsWith(BASE + "/assets/") ? "no-cache" : "no-store");
        if (tls) {
            var cookies = response.headers().getAll(HttpHeaders.SET_COOKIE);
            if (!cookies.isEmpty()) {
                response.headers().remove(HttpHeaders.SET_COOKIE);
                for (String c : cookies) {
                    response.headers().add(HttpHeaders.SET_COOKIE, c.contains("; Secure") ? c : c + "; Secure");
                }
            }
        }
    }

    private static void refuse(RoutingContext ctx, int status, String detail) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        String body = "{\"status\":" + status + ",\"detail\":\"" + detail.replace("\"", "\\\"") + "\"}";
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json").end(body);
    }
}
