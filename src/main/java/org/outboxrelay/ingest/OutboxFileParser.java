package org.outboxrelay.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.MailJobParser;
import org.outboxrelay.job.QueuedJob;

/**
 * Reads a file dropped into the outbox: {@code *.eml} is a complete message, {@code *.json} a mail job. A file
 * larger than relay.limits.max-message-bytes is not read at all. A job without an id of its own gets one made
 * of its name, modification time and content, so that a file picked up twice (a crash between queueing it and
 * removing it) is recognised as the same job and sent once; so is a file whose job could not be queued (the
 * broker was down) when it is taken up again. A JSON job the read lock took at once, being complete, is the very
 * bytes it found complete ({@link OutboxReadLock}).
 */
public class OutboxFileParser {

    private final long maxMessageBytes;
    private final Clock clock;

    public OutboxFileParser(long maxMessageBytes, Clock clock) {
        this.maxMessageBytes = maxMessageBytes;
        this.clock = clock;
    }

    public QueuedJob read(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        GenericFile<?> file = exchange.getMessage().getBody(GenericFile.class);
        boolean raw = name.toLowerCase(Locale.ROOT).endsWith(".eml");
        FileContents read = exchange.getProperty(OutboxReadLock.CHECKED, FileContents.class);
        exchange.removeProperty(OutboxReadLock.CHECKED);
        if (read == null) {
            read = readFile(Path.of(file.getAbsoluteFilePath()), maxMessageBytes);
        }
        byte[] payload = read.payload();
        long size = read.size();
        long modified = read.modified();
        String fingerprint = fingerprint(name, modified, payload, size);
        String id = null;
        if (!raw && payload != null && payload.length > 0) {
            id = MailJobParser.ownId(MailJobParser.treeOrNull(payload)); // a bad one: reported by validation
        }
        if (id == null) {
            id = "outbox-" + fingerprint;
        }
        // the admission token is the file itself: when the same file is taken up again (its job could not be
        // queued, or the relay crashed before removing it), it is recognised as the same job, not a duplicate
        return new QueuedJob(id, Channel.OUTBOX, raw, payload, size, 0, clock.instant(), name,
                "outbox:" + fingerprint);
    }

    /** What was read of a file: its bytes (null when larger than the limit), their number, its modification time. */
    public record FileContents(byte[] payload, long size, long modified) {
    }

    /** The file's bytes when it holds at most {@code maxBytes} (it may grow while it is read), else only its size. */
    static FileContents readFile(Path path, long maxBytes) throws IOException {
        long modified = Files.getLastModifiedTime(path).toMillis();
        long size = Files.size(path);
        if (size > maxBytes) {
            return new FileContents(null, size, modified);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        // grew while we read it
        return new FileContents(bytes.length > maxBytes ? null : bytes, bytes.length, modified);
    }

    private static String fingerprint(String name, long modified, byte[] payload, long size) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((name + "\u0000" + modified + "\u0000" + size + "\u0000").getBytes(StandardCharsets.UTF_8));
            if (payload != null) {
                d.update(payload);
            }
            return HexFormat.of().formatHex(d.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
