package org.outboxrelay.config;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.spi.RestConfiguration;
import org.outboxrelay.http.AdminApi;
import org.outboxrelay.http.ApiDescription;
import org.outboxrelay.http.ApiGate;
import org.outboxrelay.http.ApiProblems;
import org.outboxrelay.http.ApiReplies;
import org.outboxrelay.http.HttpApiSettings;
import org.outboxrelay.http.Http1OnlyVertx;
import org.outboxrelay.http.HttpIntake;
import org.outboxrelay.http.JobStatusView;
import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: camel-main's HTTP server (camel-platform-http-main, on Vert.x) set up from relay.http.* and
 * relay.limits.max-message-bytes - users never set camel.server.* - the REST configuration, the beans of
 * routes/http-api.camel.yaml and routes/http-admin.camel.yaml, and the {@link ApiGate} in front of them.
 */
public class HttpConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        Clock clock = Beans.get(context, "relayClock", Clock.class);
        HttpApiSettings http = relay.http();
        long maxBytes = relay.maxMessageBytes();
        JobStateStore store = Beans.get(context, "jobStore", JobStateStore.class);

        // the servers' Vert.x, with the h2c upgrade off (see Http1OnlyVertx); closed after the servers stop
        Vertx vertx = Vertx.vertx();
        Beans.closeOnStop(context, "the HTTP servers' Vert.x",
                () -> vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join());
        Beans.bind(context, "vertx", Http1OnlyVertx.wrap(vertx));

        MainHttpServer server = new MainHttpServer();
        server.setCamelContext(context);
        server.setHost(http.host());
        server.setPort(http.port());
        server.setPath("/");
        server.setMaxBodySize(maxBytes); // a larger body is answered 413 and read no further
        server.setFileUploadEnabled(false); // the API takes no multipart uploads: nothing lands in temp folders
        if (http.tls() != null) {
            server.setSslContextParameters(http.tls().parameters());
        }
        context.addService(server, true, true); // started with the context, before the routes
        // REST over that server, no binding (the routes read and write JSON themselves), and each REST call its
        // own route. Set here, not in a route file: the files load in no fixed order, and a rest: block read
        // before a restConfiguration: block would get Camel's defaults (its calls inlined into their routes).
        RestConfiguration rest = context.getRestConfiguration();
        rest.setComponent("platform-http");
        rest.setBindingMode(RestConfiguration.RestBindingMode.off);
        rest.setInlineRoutes(false);

        ApiDescription description = new ApiDescription();
        JobStatusView statusView = new JobStatusView(store);
        Beans.bind(context, "httpIntake", new HttpIntake(Beans.get(context, "jobAdmission", JobAdmission.class), store,
                clock, Beans.get(context, "relayMetrics", RelayMetrics.class)));
        Beans.bind(context, "apiReplies", new ApiReplies(store, statusView));
        Beans.bind(context, "apiProblems", new ApiProblems());
        Beans.bind(context, "jobStatusView", statusView);
        Beans.bind(context, "apiDescription", description);
        Beans.bind(context, "adminApi", new AdminApi(Beans.get(context, "queueTools", QueueTools.class)));
        context.addStartupListener(new ApiGate(http.tokens(), http.adminTokens(), description, maxBytes));
        if (http.tokens().isEmpty() && http.adminTokens().isEmpty()) {
            LOG.warn("HTTP API on {}:{} refuses every call (401): relay.http.tokens is empty. Set one or more long"
                    + " random tokens, comma-separated, e.g. RELAY_HTTP_TOKENS=$(openssl rand -hex 32)",
                    http.host(), http.port());
        } else {
            LOG.info("HTTP API on {}://{}:{}/api/v1, accepting {}; admin calls (/api/v1/admin) {}", http.scheme(),
                    http.host(), http.port(), http.tokens(), http.separateAdminTokens()
                            ? "only with " + http.adminTokens().size() + " admin token(s)" : "with the same tokens");
        }
    }
}
