package org.outboxrelay.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small helpers of the benchmarks: free ports and the resident memory of a process from /proc. */
final class BenchSupport {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("benchmark");

    private BenchSupport() {
    }

    /** A result or progress line of a benchmark, through the relay's logging like everything else it prints. */
    static void report(String format, Object... args) {
        LOG.info(String.format(format, args).strip());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** VmRSS: resident memory now, in kB. */
    static long rssKb(long pid) throws IOException {
        return field(pid, "VmRSS:");
    }

    /** VmHWM: the peak resident memory, in kB. */
    static long peakRssKb(long pid) throws IOException {
        return field(pid, "VmHWM:");
    }

    /** CPU time (user + system) a process has used so far, in milliseconds, from /proc/PID/stat. */
    static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    }

    /**
     * CPU time (user + system, in ms) of a process, of the children it has waited for, and of its descendants
     * still running: the whole of what a server made of several processes (Postfix; a relay that re-launched its
     * JVM) used so far.
     */
    static long treeCpuMillis(long pid) {
        long ticks = 0;
        try {
            String[] f = statFields(pid);
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return 0; // gone
        }
        for (ProcessHandle p : (Iterable<ProcessHandle>) ProcessHandle.of(pid).map(ProcessHandle::descendants)
                .orElse(java.util.stream.Stream.empty())::iterator) {
            try {
                String[] f = statFields(p.pid());
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                // exited meanwhile: its time is in its parent's cutime/cstime
            }
        }
        return ticks * 1000 / 100;
    }

    /** A process and its descendants. */
    private static List<Long> treePids(long pid) {
        List<Long> pids = new java.util.ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        return pids;
    }

    /** Resident memory (kB) of a process and its descendants, now ({@code peak} false) or at their peaks. */
    static long treeRssKb(long pid, boolean peak) {
        long kb = 0;
        for (long p : treePids(pid)) {
            try {
                kb += Math.max(0, field(p, peak ? "VmHWM:" : "VmRSS:"));
            } catch (IOException e) {
                // gone
            }
        }
        return kb;
    }

    /**
     * Proportional set size (kB) of a process and its descendants: resident memory with pages shared between
     * processes (the JVM's code mapped by two JVMs, say) counted once, in shares.
     */
    static long treePssKb(long pid) {
        long kb = 0;
        for (long p : treePids(pid)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + p + "/smaps_rollup"))) {
                    if (line.startsWith("Pss:")) {
                        kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException e) {
                // gone
            }
        }
        return kb;
    }

    /**
     * CPU time (ms) of a JVM's threads so far, by what they do: the JIT compilers (C1, C2), the garbage collector,
     * and everything else (the application), from /proc/PID/task/TID/stat.
     */
    static java.util.Map<String, Long> threadCpuMillis(long pid) {
        return threadCpuMillis(pid, false);
    }

    /** CPU time (ms) of each of a JVM's threads so far ({@code byName}), or by kind as above. */
    static java.util.Map<String, Long> threadCpuMillis(long pid, boolean byName) {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ms = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
                    String kind = byName ? name.replaceAll("[0-9]+", "#") : name.startsWith("C2 Compiler") ? "C2 compiler"
                            : name.startsWith("C1 Compiler") ? "C1 compiler"
                            : name.startsWith("GC ") || name.startsWith("G1 ") || name.equals("VM Thread")
                                    ? "GC and VM" : "application";
                    out.merge(kind, ms, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        return out;
    }

    private static String[] statFields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static long field(long pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
