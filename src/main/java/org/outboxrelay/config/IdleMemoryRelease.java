package org.outboxrelay.config;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives memory back to the system while the relay is idle, so that it stays small when started with plain
 * {@code java -jar} (no JVM options). Left alone, the JVM keeps what a burst made it take: G1 gives heap back
 * only when a collection finds it more than {@code MaxHeapFreeRatio} (70%) free, and glibc keeps freed native
 * memory in its arenas.
 * <p>
 * So, every {@code relay.memory.release-interval}: G1 runs a concurrent collection when none ran for that long
 * ({@code G1PeriodicGCInterval}, JEP 346), other collectors a full collection (the relay does it, see
 * {@link #collectIfQuiet}), and a collection shrinks the heap to 30% free ({@code MaxHeapFreeRatio}, any
 * collector); and, when no job is in flight, the native heap is trimmed (what
 * {@code jcmd PID System.trim_native_heap} does; JDK 17.0.9 and later, on glibc). Under load neither runs: young
 * collections keep the periodic one away, and the trim waits for a moment without jobs.
 * <p>
 * The flags are the JVM's, not the relay's: a flag the operator set on the command line is left as it is, and the
 * first relay of a JVM sets them (tests start several relays in one JVM; the later ones find them set).
 */
public final class IdleMemoryRelease extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(IdleMemoryRelease.class);
    private static final String TRIM = "systemTrimNativeHeap"; // the jcmd command System.trim_native_heap

    private final CamelContext context;
    private final Duration interval;
    private ScheduledExecutorService timer;
    private boolean collectWhenIdle;
    private long collectionsAtLastTick = -1;
    private long collectionsAtLastRelease;
    private MBeanServer server;
    private ObjectName diagnosticCommands;

    /**
     * Netty (the broker's network and in-VM connections, the HTTP server) keeps 4 MB chunks in arenas, by default
     * two heap and two direct arenas per core; two of each serve the relay's few connections as fast (measured
     * with DeliveryBenchmark) and keep about 30 MB less resident. Call first thing in main, before Netty loads;
     * {@code -Dio.netty.allocator.*} on the command line wins.
     */
    public static void applyBeforeStart() {
        for (String key : new String[] {"io.netty.allocator.numHeapArenas", "io.netty.allocator.numDirectArenas"}) {
            if (System.getProperty(key) == null) {
                System.setProperty(key, "2");
            }
        }
    }

    public IdleMemoryRelease(CamelContext context, Duration interval) {
        this.context = context;
        this.interval = interval;
    }

    @Override
    protected void doStart() {
        if (interval.isZero()) {
            return;
        }
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        // MinHeapFreeRatio first: MaxHeapFreeRatio may not go below it
        setUnlessSetByOperator(vm, "MinHeapFreeRatio", "10");
        setUnlessSetByOperator(vm, "MaxHeapFreeRatio", "30");
        boolean g1 = usesG1();
        if (g1) {
            setUnlessSetByOperator(vm, "G1PeriodicGCInterval", String.valueOf(interval.toMillis()));
        }
        boolean canTrim = canTrimNativeHeap();
        collectWhenIdle = !g1;
        if (canTrim || collectWhenIdle) {
            timer = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "memory-release");
            timer.scheduleWithFixedDelay(() -> releaseWhenIdle(canTrim), interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        LOG.info("An idle relay gives memory back every {}: {}, {}", interval.toMillis() % 1000 == 0
                        ? interval.toSeconds() + "s" : interval.toMillis() + "ms",
                g1 ? "unused heap (G1 periodic collection)"
                        : "unused heap (a full collection after a whole interval without any)",
                canTrim ? "native heap trimmed" : "native heap not trimmed (needs JDK 17.0.9+ on glibc)");
    }

    /**
     * What G1's periodic collection does, for the other collectors (the serial one the relay's own JVM uses, see
     * RelayJvm), which give heap back at full collections only: once the heap has been used (collections ran)
     * and then a whole interval passed without any collection, one full collection shrinks the heap to
     * MaxHeapFreeRatio. Under load collections keep coming, so it waits; an idle relay pays it once.
     */
    private void collectIfQuiet() {
        long count = collectionCount();
        if (count == collectionsAtLastTick && count != collectionsAtLastRelease) {
            System.gc();
            collectionsAtLastRelease = collectionCount();
            count = collectionsAtLastRelease;
        }
        collectionsAtLastTick = count;
    }

    private static long collectionCount() {
        long count = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }

    private boolean canTrimNativeHeap() {
        try {
            server = ManagementFactory.getPlatformMBeanServer();
            diagnosticCommands = new ObjectName("com.sun.management:type=DiagnosticCommand");
            return java.util.Arrays.stream(server.getMBeanInfo(diagnosticCommands).getOperations())
                    .anyMatch(o -> o.getName().equals(TRIM));
        } catch (Exception | Error e) {
            LOG.debug("No diagnostic commands: {}", e.toString());
            return false;
        }
    }

    private void releaseWhenIdle(boolean canTrim) {
        if (context.getInflightRepository().size() > 0) {
            return; // under load the freed memory is taken again at once; the trim would only hold up malloc
        }
        if (collectWhenIdle) {
            collectIfQuiet();
        }
        if (!canTrim) {
            return;
        }
        try {
            Object report = server.invoke(diagnosticCommands, TRIM, new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
            LOG.debug("{}", report);
        } catch (Exception | Error e) {
            LOG.debug("Cannot trim the native heap: {}", e.toString());
        }
    }

    private static boolean usesG1() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc.getName().startsWith("G1")) {
                return true;
            }
        }
        return false;
    }

    private static void setUnlessSetByOperator(HotSpotDiagnosticMXBean vm, String flag, String value) {
        try {
            VMOption option = vm.getVMOption(flag);
            if (option.getOrigin() == VMOption.Origin.DEFAULT || option.getOrigin() == VMOption.Origin.ERGONOMIC) {
                vm.setVMOption(flag, value);
            }
        } catch (IllegalArgumentException e) {
            LOG.debug("JVM flag {} left as it is: {}", flag, e.getMessage());
        }
    }

    @Override
    protected void doStop() {
        if (timer != null) {
            context.getExecutorServiceManager().shutdownNow(timer);
            timer = null;
        }
    }
}
