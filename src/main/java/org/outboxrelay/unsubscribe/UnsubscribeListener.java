package org.outboxrelay.unsubscribe;

import java.util.concurrent.TimeUnit;

import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * relay.unsubscribe.port: a listener of its own that serves {@code /u/} and nothing else, so that the
 * unsubscribe links can be exposed to the internet while the API (bearer tokens, admin calls, health, metrics)
 * stays on an internal address. Requests under {@code /u/} are handed to the router of the API's server,
 * where routes/unsubscribe.camel.yaml serves them; every other path is a 404 here.
 */
public class UnsubscribeListener extends ServiceSupport implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(UnsubscribeListener.class);

    private final String host;
    private final int port;
    private volatile HttpServer server;

    public UnsubscribeListener(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) throws Exception {
        if (server != null) {
            return;
        }
        VertxPlatformHttpRouter router = context.getRegistry().findByType(VertxPlatformHttpRouter.class).stream()
                .filter(VertxPlatformHttpRouter::isMainServer).findFirst()
                .orElseThrow(() -> new IllegalStateException("the HTTP server of camel-platform-http-main is not"
                        + " running"));
        // the router's Vert.x is the relay's (Http1OnlyVertx): this server declines the h2c upgrade too
        server = router.vertx().createHttpServer(new HttpServerOptions())
                .requestHandler(request -> handle(router, request))
                .listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("Unsubscribe links served on {}:{} (only /u/ there)", host, server.actualPort());
    }

    private static void handle(VertxPlatformHttpRouter router, HttpServerRequest request) {
        if (request.path().startsWith("/u/")) {
            router.handle(request);
        } else {
            request.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end("Not found");
        }
    }

    /** The port it listens on (the actual one when relay.unsubscribe.port is 0 in tests). */
    public int port() {
        return server == null ? port : server.actualPort();
    }

    @Override
    protected void doStop() throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            server = null;
        }
    }
}
