package org.outboxrelay.config;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.prometheus.MicrometerPrometheus;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.delivery.SmtpConnectionPool;
import org.outboxrelay.http.HttpApiSettings;
import org.outboxrelay.observe.QueueDepths;
import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.observe.RelayHealthChecks;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.observe.ThrottleWaitTimer;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.StoreGate;

/**
 * Observing the relay: camel-main's management server (health at /observe/health, Prometheus metrics at
 * /observe/metrics; by default on the HTTP API's port, behind the same bearer tokens), the relay's gauges and
 * health checks, the idle memory release and the live reload of the route files. Comes last: it observes the
 * beans of every other configuration.
 */
public class ObserveConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        Clock clock = Beans.get(context, "relayClock", Clock.class);
        RelayMetrics metrics = Beans.get(context, "relayMetrics", RelayMetrics.class);
        SmtpConnectionPool pool = Beans.get(context, "smtpConnectionPool", SmtpConnectionPool.class);
        AccountPause pause = Beans.get(context, "accountPause", AccountPause.class);
        JobStateStore store = Beans.get(context, "jobStore", JobStateStore.class);
        EmbeddedBroker embedded = context.getRegistry().lookupByNameAndType("embeddedBroker", EmbeddedBroker.class);

        configureManagement(context, relay.http(), relay.managementPort());
        context.getCamelContextExtension().addInterceptStrategy(new ThrottleWaitTimer(metrics));
        registerGauges(metrics, pool, store, new QueueDepths(embedded, Beans.get(context, "queueTools",
                QueueTools.class)), pause, clock);
        Beans.bind(context, "smtpHealth", new RelayHealthChecks.Smtp(pool, relay.smtpProbeInterval(), clock));
        Beans.bind(context, "accountHealth", new RelayHealthChecks.Account(pause));
        StoreGate storeGate = Beans.get(context, "storeGate", StoreGate.class);
        Beans.bind(context, "storeHealth", new RelayHealthChecks.Problem("store", storeGate::problem));
        Beans.bind(context, "storageHealth", new RelayHealthChecks.Storage(Beans.get(context, "storageGuard",
                org.outboxrelay.storage.StorageGuard.class)));

        context.addService(new IdleMemoryRelease(context, relay.memoryReleaseInterval()), true);
        if (relay.routesReload()) {
            context.addService(new SafeRouteReloadStrategy(relay.routesDir(), 300), true);
        }
    }

    private static void configureManagement(CamelContext context, HttpApiSettings http, int port) throws Exception {
        ManagementHttpServer management = new ManagementHttpServer();
        management.setCamelContext(context);
        management.setHost(http.host());
        management.setPort(port);
        management.setPath("/");
        management.setHealthPath("/observe/health");
        management.setHealthCheckEnabled(true);
        management.setMetricsEnabled(true);
        management.setInfoEnabled(false);
        management.setDevConsoleEnabled(false);
        management.setJolokiaEnabled(false);
        if (http.tls() != null) {
            management.setSslContextParameters(http.tls().parameters());
        }
        context.addService(management, true, true);
        MicrometerPrometheus prometheus = new MicrometerPrometheus(); // serves the metrics registry's scrape
        prometheus.setCamelContext(context);
        prometheus.setPath("/observe/metrics");
        prometheus.setEnableRoutePolicy(false);
        // per-endpoint exchange timers: nobody reads them (the relay's own meters count jobs), and they cost
        // about 3% of the CPU per job in DeliveryBenchmark
        prometheus.setEnableExchangeEventNotifier(false);
        context.addService(prometheus, true, true);
    }

    private static void registerGauges(RelayMetrics metrics, SmtpConnectionPool pool, JobStateStore store,
            QueueDepths depths, AccountPause pause, Clock clock) {
        metrics.gauge("outbox.relay.smtp.connections.open", "SMTP connections open (in use or idle)", null,
                pool::openCount);
        metrics.functionCounter("outbox.relay.smtp.connections.opened", "SMTP connections opened",
                pool::openedCount);
        for (String queue : List.of(EmbeddedBroker.JOBS, EmbeddedBroker.DEAD)) {
            metrics.gauge("outbox.relay.queue.messages", "Messages in a queue (deferred jobs included)", null,
                    () -> depths.depth(queue), "queue", queue);
        }
        metrics.gauge("outbox.relay.queue.oldest.job.age", "Age of the oldest job still waiting (queued or deferred)",
                "seconds", () -> {
                    Instant inStore = store.oldestWaiting().orElse(null);
                    Instant onQueue = depths.oldestWaiting(EmbeddedBroker.JOBS);
                    Instant oldest = inStore == null ? onQueue
                            : onQueue == null || inStore.isBefore(onQueue) ? inStore : onQueue;
                    return RelayMetrics.secondsSince(oldest, clock);
                });
        metrics.gauge("outbox.relay.account.paused", "1 while the account is paused", null,
                () -> pause.status().paused() ? 1 : 0);
    }
}
