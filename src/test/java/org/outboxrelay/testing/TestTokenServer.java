package org.outboxrelay.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local OAuth2 token endpoint like Microsoft's (/token and /devicecode): refresh tokens rotate on every use
 * (the old one stops working), access tokens expire, the device code flow answers authorization_pending a few
 * times before it succeeds. The XOAUTH2 test SMTP server asks it whether a token is valid.
 */
public final class TestTokenServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Instant> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> accessTokenScopes = new ConcurrentHashMap<>();
    /** Each live refresh token with the scopes its sign-in granted (empty: every scope asked for). */
    private final Map<String, Set<String>> refreshTokens = new ConcurrentHashMap<>();
    private volatile Set<String> deviceCodeScopes = Set.of();
    private final List<String> grants = new CopyOnWriteArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();
    private final AtomicInteger pendingPolls = new AtomicInteger();
    private volatile Duration lifetime = Duration.ofHours(1);
    private volatile String clientSecret = "app-secret";
    private volatile boolean refuseRefresh;
    private volatile Duration refreshLifetime;

    public TestTokenServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", this::token);
        server.createContext("/devicecode", this::deviceCode);
        server.start();
    }

    public String tokenUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public String deviceCodeUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/devicecode";
    }

    /** A refresh token as `login` would have stored it, for a sign-in that granted whatever is asked. */
    public String issueRefreshToken() {
        return issueRefreshToken(Set.of());
    }

    /**
     * A refresh token whose sign-in granted only these scopes (as one made before the relay asked for more): a
     * refresh asking for another scope is refused like Microsoft's (invalid_grant, AADSTS65001), and the token
     * stays valid.
     */
    public String issueRefreshToken(Set<String> grantedScopes) {
        String rt = "rt-" + counter.incrementAndGet();
        refreshTokens.put(rt, Set.copyOf(grantedScopes));
        return rt;
    }

    /** The scopes the last device code sign-in asked for. */
    public Set<String> deviceCodeScopes() {
        return deviceCodeScopes;
    }

    /** Valid, and issued for this scope. */
    public boolean isValidFor(String accessToken, String scope) {
        return isValid(accessToken) && accessTokenScopes.getOrDefault(accessToken, Set.of()).contains(scope);
    }

    public void accessTokensLiveFor(Duration d) {
        this.lifetime = d;
    }

    /** The next device code polls answer authorization_pending this many times. */
    public void pendingPolls(int n) {
        pendingPolls.set(n);
    }

    /** Token responses say how long their refresh token lives (refresh_token_expires_in), as some tenants do. */
    public void refreshTokensLiveFor(Duration d) {
        this.refreshLifetime = d;
    }

    public void refuseRefresh(boolean refuse) {
        this.refuseRefresh = refuse;
    }

    public boolean isValid(String accessToken) {
        Instant expiry = accessTokens.get(accessToken);
        return expiry != null && Instant.now().isBefore(expiry);
    }

    public boolean isLiveRefreshToken(String token) {
        return refreshTokens.containsKey(token);
    }

    /** grant_type of each successful token request, in order. */
    public List<String> grants() {
        return List.copyOf(grants);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = form(ex);
        String grant = form.getOrDefault("grant_type", "");
        switch (grant) {
            case "refresh_token" -> {
                Set<String> granted = refreshTokens.get(form.get("refresh_token"));
                Set<String> asked = scopes(form.get("scope"));
                if (!refuseRefresh && granted != null && !granted.isEmpty() && !granted.containsAll(asked)) {
                    json(ex, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS65001: The user or"
                            + " administrator has not consented to use the application with ID 'test-client'.\\r\\n"
                            + "Trace ID: x\"}");
                    return;
                }
                if (refuseRefresh || refreshTokens.remove(form.get("refresh_token")) == null) {
                    json(ex, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70000: refresh token"
                            + " is not valid.\\r\\nTrace ID: x\"}");
                    return;
                }
                grants.add(grant);
                json(ex, 200, tokens(true, asked, granted));
            }
            case "client_credentials" -> {
                if (!clientSecret.equals(form.get("client_secret"))) {
                    json(ex, 401, "{\"error\":\"invalid_client\",\"error_description\":\"bad secret\"}");
                    return;
                }
                grants.add(grant);
                json(ex, 200, tokens(false, scopes(form.get("scope")), Set.of()));
            }
            case "urn:ietf:params:oauth:grant-type:device_code" -> {
                if (pendingPolls.getAndDecrement() > 0) {
                    json(ex, 400, "{\"error\":\"authorization_pending\"}");
                    return;
                }
                grants.add("device_code");
                json(ex, 200, tokens(true, deviceCodeScopes, deviceCodeScopes));
            }
            default -> json(ex, 400, "{\"error\":\"unsupported_grant_type\"}");
        }
    }

    private String tokens(boolean withRefresh, Set<String> scopes, Set<String> granted) {
        String at = "at-" + counter.incrementAndGet();
        accessTokens.put(at, Instant.now().plus(lifetime));
        accessTokenScopes.put(at, scopes);
        String rt = withRefresh ? issueRefreshToken(granted == null ? Set.of() : granted) : null;
        Duration refreshLife = refreshLifetime;
        return "{\"token_type\":\"Bearer\",\"access_token\":\"" + at + "\",\"expires_in\":" + lifetime.toSeconds()
                + ",\"scope\":\"" + String.join(" ", new java.util.TreeSet<>(scopes)) + "\""
                + (rt != null ? ",\"refresh_token\":\"" + rt + "\"" : "")
                + (rt != null && refreshLife != null ? ",\"refresh_token_expires_in\":" + refreshLife.toSeconds() : "")
                + "}";
    }

    /** The resource scopes of a request (offline_access, openid and profile are not scopes of a resource). */
    private static Set<String> scopes(String scope) {
        Set<String> out = new java.util.TreeSet<>();
        if (scope != null) {
            for (String s : scope.trim().split("\\s+")) {
                if (!s.isEmpty() && !Set.of("offline_access", "openid", "profile").contains(s)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private void deviceCode(HttpExchange ex) throws IOException {
        deviceCodeScopes = scopes(form(ex).get("scope"));
        json(ex, 200, "{\"device_code\":\"dc-1\",\"user_code\":\"ABCD-1234\",\"verification_uri\":"
                + "\"https://microsoft.com/devicelogin\",\"expires_in\":60,\"interval\":1,\"message\":"
                + "\"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the"
                + " code ABCD-1234 to authenticate.\"}");
    }

    private static Map<String, String> form(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
