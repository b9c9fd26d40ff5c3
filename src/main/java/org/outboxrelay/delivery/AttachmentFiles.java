package org.outboxrelay.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.outboxrelay.job.InvalidJobException;

/**
 * Attachments given by {@code "path"}: read from relay.attachments.dir only. Absolute paths, {@code ..} and
 * symbolic links that lead outside that folder are refused, so a job cannot make the relay mail its files.
 */
public class AttachmentFiles {

    private final Path root;

    public AttachmentFiles(Path root) {
        this.root = root == null ? null : root.toAbsolutePath().normalize();
    }

    public byte[] read(String field, String relative) throws InvalidJobException {
        if (root == null) {
            throw new InvalidJobException(field, "attachments by path are off: set relay.attachments.dir");
        }
        Path given = Path.of(relative);
        if (given.isAbsolute()) {
            throw new InvalidJobException(field, "must be relative to relay.attachments.dir, not absolute");
        }
        Path candidate = root.resolve(given).normalize();
        if (!candidate.startsWith(root)) {
            throw new InvalidJobException(field, "leaves relay.attachments.dir");
        }
        try {
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                throw new InvalidJobException(field, "no such file in relay.attachments.dir: " + relative);
            }
            Path real = candidate.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw new InvalidJobException(field, "is a link that leaves relay.attachments.dir");
            }
            if (!Files.isRegularFile(real)) {
                throw new InvalidJobException(field, "is not a regular file: " + relative);
            }
            return Files.readAllBytes(real);
        } catch (IOException e) {
            throw new InvalidJobException(field, "cannot be read: " + e.getMessage());
        }
    }
}
