package org.outboxrelay.ingest;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.apache.camel.support.service.ServiceSupport;
import org.outboxrelay.config.InvalidSettingsException;

/**
 * One outbox folder, one relay: several relays of a cluster each have a folder of their own (see README,
 * "Running several relays"). The relay holds an exclusive lock on {@code outbox/.relay.lock} while it runs; a
 * second relay pointed at the same folder - on this machine or over a network file system that supports locks -
 * refuses to start with one clear line, instead of racing the first one for the same files.
 */
public class OutboxFolderLock extends ServiceSupport {

    static final String FILE = ".relay.lock";

    private final Path dir;
    private final String node;
    private FileChannel channel;
    private FileLock lock;

    public OutboxFolderLock(Path dir, String node) {
        this.dir = dir;
        this.node = node;
    }

    @Override
    protected void doStart() throws Exception {
        Path file = dir.resolve(FILE);
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
            channel.close();
            throw new InvalidSettingsException("the outbox folder " + dir.toAbsolutePath() + " is taken by another"
                    + " relay (" + (holder.isEmpty() ? "unknown" : holder) + "): give each relay its own"
                    + " relay.outbox.dir");
        }
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.wrap(("node " + node + ", pid " + ProcessHandle.current().pid())
                .getBytes(StandardCharsets.UTF_8)));
        channel.force(false);
    }

    @Override
    protected void doStop() throws IOException {
        if (lock != null) {
            lock.release();
            lock = null;
        }
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
