package org.outboxrelay.config;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live reload of {@code routes/*.camel.yaml} that never leaves the relay without its routes.
 *
 * <p>Camel's own reload removes all routes, then loads the files again; when one file is broken the routes
 * stay removed, and the next reload can fail with "duplicate route id" because it loads the routes of the
 * failed attempt a second time. Here every reload takes the whole folder as it is now (each file read once,
 * so a half-written file cannot change under it), checks that it parses, swaps it in, and if anything fails
 * puts back the last set that worked and logs which file was wrong. Changes arriving in quick succession
 * (an editor's save) are taken together after a short pause.
 */
public class SafeRouteReloadStrategy extends RouteWatcherReloadStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(SafeRouteReloadStrategy.class);
    private static final String PATTERN = "*.camel.yaml";

    private final Path dir;
    private final long settleMillis;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private ScheduledExecutorService executor;
    private ScheduledFuture<?> pending;
    private List<Resource> lastGood;

    public SafeRouteReloadStrategy(Path dir, long settleMillis) {
        super(dir.toString(), false);
        this.dir = dir;
        this.settleMillis = settleMillis;
        setPattern(PATTERN);
    }

    @Override
    protected void doStart() throws Exception {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "route-reload");
            t.setDaemon(true);
            return t;
        });
        lastGood = snapshot(dir); // the files the routes were just loaded from
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    protected String startupMessage(java.io.File folder) {
        return "Live reload of routes in " + folder + " (a broken edit is rejected; the previous routes keep running)";
    }

    @Override
    protected synchronized void onRouteReload(Collection<Resource> changed, boolean removeEverything) {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = executor.schedule(this::reloadNow, settleMillis, TimeUnit.MILLISECONDS);
    }

    /** Successful reloads so far. */
    public long reloadCount() {
        return reloads.get();
    }

    /** Rejected (broken) edits so far. */
    public long rejectedCount() {
        return rejected.get();
    }

    synchronized void reloadNow() {
        CamelContext context = getCamelContext();
        RoutesLoader loader = PluginHelper.getRoutesLoader(context);
        List<Resource> candidate;
        try {
            candidate = snapshot(dir);
            loader.findRoutesBuilders(candidate); // YAML syntax, before anything running is touched
        } catch (Exception e) {
            rejected.incrementAndGet();
            LOG.error("Route change rejected, the running routes stay as they are: {}", rootMessage(e));
            return;
        }
        try {
            swapIn(context, loader, candidate);
            lastGood = candidate;
            reloads.incrementAndGet();
            LOG.info("Routes reloaded from {} ({} routes)", dir, context.getRoutes().size());
        } catch (Exception e) {
            rejected.incrementAndGet();
            LOG.error("Route change rejected, going back to the previous routes: {}", rootMessage(e));
            try {
                swapIn(context, loader, lastGood);
                LOG.info("Previous routes restored ({} routes)", context.getRoutes().size());
            } catch (Exception restore) {
                LOG.error("Could not restore the previous routes; fix the route files to resume", restore);
            }
        }
    }

    private static void swapIn(CamelContext context, RoutesLoader loader, List<Resource> resources) throws Exception {
        context.getRouteController().removeAllRoutes();
        context.removeRouteTemplates("*");
        loader.updateRoutes(resources);
    }

    /** Every route file of the folder, read into memory now. */
    private static List<Resource> snapshot(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PATTERN)) {
            ds.forEach(files::add);
        }
        files.sort(null);
        List<Resource> out = new ArrayList<>();
        for (Path f : files) {
            out.add(ResourceHelper.fromBytes("file:" + f, Files.readAllBytes(f)));
        }
        return out;
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable t = e.getCause();
        while (t != null && t != t.getCause()) {
            if (t.getMessage() != null && !sb.toString().contains(t.getMessage())) {
                sb.append(": ").append(t.getMessage());
            }
            t = t.getCause();
        }
        return sb.toString();
    }
}
