package org.outboxrelay.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

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

    private static long field(long pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
