package org.outboxrelay.storage;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.outboxrelay.flow.ConsumerHolds;
import org.outboxrelay.flow.HoldingPolicy;
import org.outboxrelay.broker.EmbeddedBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a full disk from leaving the relay stuck. Every relay.data.check-interval it looks at the free space of
 * the file systems of {@code data/} (broker journal, job store, audit trail) and {@code outbox/}; below
 * relay.data.min-free the relay stops taking work - the routes it is the policy of (outbox folder, delivery)
 * stop their consumers, the HTTP API answers 503 ({@link #checkIntake}), readiness is down with the reason - and
 * it says so once. Jobs already taken finish; nothing is lost: files wait in outbox/, jobs on mail.jobs, HTTP
 * and JMS clients are refused and send again. When space returns it takes work again by itself, and says so
 * once.
 *
 * <p>The embedded broker guards its journal itself (min-disk-free at half this limit, and producers refused
 * rather than blocked, see {@link EmbeddedBroker}); if it stops all the same - Artemis stops itself on a
 * critical IO error of its journal (AMQ222010) - this guard starts it again once there is space, so the relay
 * never needs a restart.
 */
public class StorageGuard extends HoldingPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(StorageGuard.class);

    /** What readiness and the HTTP API say: whether the relay takes work, and if not, why and since when. */
    public record Status(boolean ok, String reason, Instant since) {
    }

    private final Map<String, Path> folders;
    private final long minFree;
    private final long resumeFree;
    private final Duration interval;
    private final EmbeddedBroker broker;
    private final Clock clock;
    private final Supplier<String> storeProblem;
    private volatile Status status;
    private volatile Instant nextBrokerStart = Instant.EPOCH;
    private int brokerStartFailures;

    /**
     * {@code folders}: name as shown (relay.data.dir, relay.outbox.dir) to folder; {@code broker}: the embedded
     * broker to watch, or null with an external one; {@code holds}: the consumers' holds it shares with the
     * other policies of the same routes (the account's pause, the store's gate); {@code storeProblem}: asked
     * before work is taken again, null when the job store answers (a shared store may be unreachable while the
     * disk recovers, and the first job taken would meet it).
     */
    public StorageGuard(Map<String, Path> folders, long minFree, Duration interval, EmbeddedBroker broker,
            ConsumerHolds holds, Clock clock, Supplier<String> storeProblem) {
        super(holds, "storage-guard");
        this.storeProblem = storeProblem;
        this.folders = new LinkedHashMap<>(folders);
        this.minFree = minFree;
        // a little more than the limit before work starts again, so a disk at the edge does not flap
        this.resumeFree = minFree + Math.max(minFree / 5, 1024 * 1024);
        this.interval = interval;
        this.broker = broker;
        this.clock = clock;
        this.status = new Status(true, null, clock.instant());
    }

    public Status status() {
        return status;
    }

    /** A step of the HTTP API before a job is queued: refused (503) while the relay takes no work. */
    public void checkIntake() throws DiskFullException {
        Status s = status;
        if (!s.ok()) {
            throw new DiskFullException("The relay takes no jobs right now: " + s.reason()
                    + ". Send the job again later.");
        }
    }

    /** One look at the disks and the broker; runs every interval on its own thread (and from tests). */
    public synchronized void check() {
        String problem = spaceProblem(status.ok() ? minFree : resumeFree);
        if (problem == null && broker != null && broker.crashed()) {
            problem = restartBroker();
        }
        if (problem == null && !status.ok() && broker != null && broker.diskFull()) {
            problem = "the broker still counts its disk as full (it looks again every relay.data.check-interval)";
        }
        if (problem == null && !status.ok()) {
            problem = storeProblem.get();
        }
        Status before = status;
        if (problem == null && !before.ok()) {
            status = new Status(true, null, clock.instant());
            LOG.info("Taking jobs again: {} (the relay did not take work for {})", spaceNow(),
                    human(Duration.between(before.since(), clock.instant())));
        } else if (problem != null && before.ok()) {
            status = new Status(false, problem, clock.instant());
            LOG.warn("Taking no jobs until this is resolved, then again by itself: {}", problem);
        } else if (problem != null && !problem.equals(before.reason())) {
            status = new Status(false, problem, before.since()); // still down; the details changed, no new line
        }
        applyToConsumers();
    }

    /** Null when every folder's file system has at least {@code needed} bytes free, else which has how much. */
    private String spaceProblem(long needed) {
        for (Map.Entry<String, Path> f : folders.entrySet()) {
            long free = usable(f.getValue());
            if (free >= 0 && free < needed) {
                return f.getKey() + " (" + f.getValue().toAbsolutePath() + ") has " + mb(free) + " free, less than"
                        + " relay.data.min-free (" + mb(minFree) + ")";
            }
        }
        return null;
    }

    private String spaceNow() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Path> f : folders.entrySet()) {
            b.append(b.length() == 0 ? "" : ", ").append(f.getKey()).append(" has ").append(mb(usable(f.getValue())))
                    .append(" free");
        }
        return b.toString();
    }

    private static long usable(Path folder) {
        try {
            FileStore store = Files.getFileStore(folder);
            return store.getUsableSpace();
        } catch (IOException e) {
            return -1; // not there (yet): nothing to guard
        }
    }

    /**
     * The embedded broker stopped by itself (a critical IO error of its journal): started again, at once and then
     * less and less often while it fails. Null when it runs again, else why not.
     */
    private String restartBroker() {
        if (clock.instant().isBefore(nextBrokerStart)) {
            return "the embedded broker stopped (AMQ222010: its journal could not be written?) and is not running"
                    + " yet";
        }
        try {
            broker.restart();
            brokerStartFailures = 0;
            LOG.info("The embedded broker had stopped by itself; it runs again");
            return null;
        } catch (Exception e) {
            brokerStartFailures++;
            Duration wait = interval.multipliedBy(1L << Math.min(6, brokerStartFailures));
            nextBrokerStart = clock.instant().plus(wait);
            if (brokerStartFailures == 1) {
                LOG.warn("The embedded broker had stopped by itself and cannot start again yet (trying again every"
                        + " while): {}", e.getMessage());
            }
            return "the embedded broker stopped and cannot start again: " + e.getMessage();
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        startTicking(Duration.ZERO, interval);
    }

    @Override
    protected void tick() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.debug("Storage check failed: {}", e.getMessage(), e);
        }
    }

    /** Holds the consumers of the routes while no work is taken, lets them go after; on the guard's thread. */
    private void applyToConsumers() {
        boolean stop = !status.ok();
        holdAll("too little free space", stop);
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "unknown" : bytes >= 10L * 1024 * 1024 ? (bytes / (1024 * 1024)) + " MB"
                : String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + "s" : s < 7200 ? (s / 60) + "m" : (s / 3600) + "h";
    }
}
