package org.outboxrelay.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gate on a bare Vert.x router: what it answers where no REST route does. */
class ApiGateTest {

    private static final String TOKEN = "0123456789abcdef0123";
    private static final String ADMIN_TOKEN = "admin-0123456789abcdef";

    Vertx vertx;
    HttpServer server;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        new ApiGate(new BearerTokens(List.of(TOKEN)), new BearerTokens(List.of(ADMIN_TOKEN)), new ApiDescription(), 1000)
                .install(router);
        router.get("/api/v1/boom").handler(ctx -> {
            throw new IllegalStateException("internal detail");
        });
        router.get("/api/v1/mails/:id").handler(ctx -> ctx.response().end("status of " + ctx.pathParam("id")));
        router.get("/api/v1/admin/queues").handler(ctx -> ctx.response().end("queues"));
        router.get("/api/v1/admin/suppression").handler(ctx -> ctx.response().end("suppression list"));
        router.post("/u/:token").handler(ctx -> ctx.response().end("unsubscribed " + ctx.pathParam("token")));
        server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> call(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theTokenIsCheckedBeforeAnyRoute() throws Exception {
        assertEquals(401, call("GET", "/api/v1/mails/x", null).statusCode());
        assertEquals(401, call("GET", "/api/v1/mails/x", TOKEN + "0").statusCode());
        assertEquals(401, call("GET", "/api/anything", null).statusCode());
        assertEquals("status of x", call("GET", "/api/v1/mails/x", TOKEN).body());
    }

    @Test
    void adminCallsNeedAnAdminTokenWhichAlsoOpensTheRestOfTheApi() throws Exception {
        assertEquals(401, call("GET", "/api/v1/admin/queues", null).statusCode());
        HttpResponse<String> r = call("GET", "/api/v1/admin/queues", TOKEN);
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("relay.http.admin-tokens"), r.body());
        assertEquals(403, call("DELETE", "/api/v1/admin/dead", TOKEN).statusCode(), "before the 405 or 404");
        assertEquals("queues", call("GET", "/api/v1/admin/queues", ADMIN_TOKEN).body());
        assertEquals("status of x", call("GET", "/api/v1/mails/x", ADMIN_TOKEN).body());
    }

    @Test
    void onlyTheUnsubscribeLinksNeedNoTokenAndTheSuppressionListIsForAdmins() throws Exception {
        assertEquals("unsubscribed abc.def", call("POST", "/u/abc.def", null).body(), "the HMAC is the authorization");
        assertEquals(401, call("GET", "/api/v1/admin/suppression", null).statusCode());
        assertEquals(403, call("GET", "/api/v1/admin/suppression", TOKEN).statusCode());
        assertEquals("suppression list", call("GET", "/api/v1/admin/suppression", ADMIN_TOKEN).body());
        assertEquals(401, call("POST", "/api/v1/u/abc.def", null).statusCode(), "nothing under /api/ without one");
    }

    @Test
    void wrongMethodsUnknownPathsAndMissingRoutesAreProblems() throws Exception {
        HttpResponse<String> r = call("PUT", "/api/v1/mails/x", TOKEN);
        assertEquals(405, r.statusCode());
        assertEquals("GET", r.headers().firstValue("Allow").orElseThrow());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(404, call("GET", "/api/v1/nothing", TOKEN).statusCode());
        assertEquals(404, call("GET", "/elsewhere", null).statusCode(), "outside /api/ no token is asked for");
        // POST /api/v1/mails is documented but has no route here, as while the routes are reloaded
        r = call("POST", "/api/v1/mails", TOKEN);
        assertEquals(503, r.statusCode());
        assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
    }

    @Test
    void aFailureInsideTheServerIsA500WithoutItsDetails() throws Exception {
        HttpResponse<String> r = call("GET", "/api/v1/boom", TOKEN);
        assertEquals(500, r.statusCode());
        assertTrue(r.body().contains("\"status\":500"), r.body());
        assertFalse(r.body().contains("internal detail") || r.body().contains("Exception"), r.body());
    }
}
