package org.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Postfix as the peer of the relay: an instance of its own in a scratch folder ({@code postfix -c DIR}: own
 * main.cf, master.cf, queue and data directories), listening on a free loopback port and relaying everything
 * it gets from 127.0.0.1 to the sink, the way an administrator sets up a smarthost relay: Postfix's defaults
 * plus {@code relayhost}, and for STARTTLS + AUTH {@code smtp_tls_security_level = encrypt},
 * {@code smtp_sasl_auth_enable} and {@code smtp_tls_connection_reuse = yes} (with tlsproxy). The system's
 * Postfix (/etc/postfix) is never touched. Messages go in with {@code smtp-source} over SMTP.
 */
final class PostfixPeer implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PostfixPeer.class);

    /** Instances not stopped yet: stopped by {@link #stopAll} when the benchmark is interrupted. */
    private static final java.util.Set<PostfixPeer> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final int port;

    private PostfixPeer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Creates the instance and starts it; {@code starttls} makes it deliver over STARTTLS with AUTH PLAIN. */
    static PostfixPeer start(int sinkPort, boolean starttls) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("Postfix's master runs as root: run the benchmark as root");
        }
        // the scratch folder must be searchable by the postfix user (its daemons chdir into the queue)
        Path dir = Files.createTempDirectory("postfix-peer",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        int port = BenchSupport.freePort();
        Files.createDirectories(dir.resolve("queue"));
        Path data = Files.createDirectories(dir.resolve("data"));
        run(List.of("chown", "postfix", data.toString()), dir);
        Files.writeString(dir.resolve("main.cf"), mainCf(dir, sinkPort, starttls));
        Files.writeString(dir.resolve("master.cf"), masterCf(port));
        PostfixPeer peer = new PostfixPeer(dir, port);
        RUNNING.add(peer);
        run(List.of("postfix", "-c", dir.toString(), "start"), dir);
        peer.awaitListening();
        return peer;
    }

    private static String mainCf(Path dir, int sinkPort, boolean starttls) {
        String cf = """
                # a relay instance of the benchmark: Postfix's defaults, plus what a smarthost relay needs
                compatibility_level = 3.6
                queue_directory = %1$s/queue
                data_directory = %1$s/data
                maillog_file_prefixes = %1$s
                maillog_file = %1$s/maillog
                myhostname = postfix-peer.localdomain
                mydestination =
                local_recipient_maps =
                alias_maps =
                alias_database =
                inet_interfaces = loopback-only
                inet_protocols = ipv4
                mynetworks = 127.0.0.0/8
                smtpd_relay_restrictions = permit_mynetworks, reject
                relayhost = [127.0.0.1]:%2$d
                """.formatted(dir, sinkPort);
        if (starttls) {
            cf += """
                    smtp_tls_security_level = encrypt
                    smtp_tls_connection_reuse = yes
                    smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache
                    smtp_sasl_auth_enable = yes
                    smtp_sasl_password_maps = static:bench:bench-pw
                    smtp_sasl_security_options = noanonymous
                    """;
        }
        return cf;
    }

    /** Debian's master.cf without chroot (the scratch queue has no copy of /etc), smtpd on a port of its own. */
    private static String masterCf(int port) {
        return """
                127.0.0.1:%d inet n - n - - smtpd
                pickup    unix  n - n 60    1 pickup
                cleanup   unix  n - n -     0 cleanup
                qmgr      unix  n - n 300   1 qmgr
                tlsmgr    unix  - - n 1000? 1 tlsmgr
                rewrite   unix  - - n -     - trivial-rewrite
                bounce    unix  - - n -     0 bounce
                defer     unix  - - n -     0 bounce
                trace     unix  - - n -     0 bounce
                verify    unix  - - n -     1 verify
                flush     unix  n - n 1000? 0 flush
                proxymap  unix  - - n -     - proxymap
                proxywrite unix - - n -     1 proxymap
                smtp      unix  - - n -     - smtp
                relay     unix  - - n -     - smtp
                showq     unix  n - n -     - showq
                error     unix  - - n -     - error
                retry     unix  - - n -     - error
                discard   unix  - - n -     - discard
                anvil     unix  - - n -     1 anvil
                scache    unix  - - n -     1 scache
                postlog   unix-dgram n - n - 1 postlogd
                tlsproxy  unix  - - n -     0 tlsproxy
                """.formatted(port);
    }

    int port() {
        return port;
    }

    /**
     * Injects {@code n} messages with {@code smtp-source} over 4 SMTP sessions, one recipient each and a body of
     * {@code bodyBytes}; returns when Postfix has accepted (queued) all of them.
     */
    void inject(int n, int bodyBytes) throws Exception {
        run(List.of("smtp-source", "-s", "4", "-m", String.valueOf(n), "-l", String.valueOf(bodyBytes),
                "-f", "bench@example.com", "-t", "r@example.com", "-S", "Benchmark", "127.0.0.1:" + port), dir);
    }

    /** The master daemon's pid (its children are Postfix's other daemons). */
    long masterPid() throws IOException {
        return Long.parseLong(Files.readString(dir.resolve("queue/pid/master.pid")).trim());
    }

    /** CPU time used so far by all of this instance's processes, in ms. */
    long cpuMillis() throws IOException {
        return BenchSupport.treeCpuMillis(masterPid());
    }

    long rssKb() throws IOException {
        return BenchSupport.treeRssKb(masterPid(), false);
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Postfix does not listen on " + port + "; see " + dir.resolve("maillog"));
    }

    /** Stops every instance still running (a shutdown hook of the benchmark: Postfix's master is a daemon). */
    static void stopAll() {
        for (PostfixPeer p : List.copyOf(RUNNING)) {
            try {
                p.close();
            } catch (Exception e) {
                LOG.warn("Cannot stop Postfix in {}: {}", p.dir, e.toString());
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (!RUNNING.remove(this)) {
            return;
        }
        long master = -1;
        try {
            master = masterPid();
        } catch (IOException e) {
            // not running
        }
        run(List.of("postfix", "-c", dir.toString(), "stop"), dir);
        if (master > 0) {
            ProcessHandle.of(master).ifPresent(p -> p.onExit().join());
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Runs a command to its end; fails with its output when it fails. */
    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        Path out = dir.resolve("commands.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(out));
        }
    }

    /** Is Postfix there? (The bench/vs-postfix script installs Debian's package when it is not.) */
    static boolean installed() {
        return Files.isExecutable(Path.of("/usr/sbin/postfix")) && Files.isExecutable(Path.of("/usr/sbin/smtp-source"));
    }
}
