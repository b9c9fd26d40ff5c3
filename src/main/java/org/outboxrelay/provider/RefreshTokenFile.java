package org.outboxrelay.provider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where the refresh token of the account is kept: one file, readable by its owner only, replaced atomically
 * (write a temporary file beside it, then rename), because Microsoft rotates refresh tokens: the new one must
 * be stored before the old one is forgotten, and a crash must never leave half a token.
 */
public class RefreshTokenFile {

    private static final java.util.concurrent.ConcurrentMap<Path, Object> LOCKS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;

    public RefreshTokenFile(Path file) {
        this.file = file;
    }

    /**
     * What every user of this file (SMTP and the bounce reader each have their access tokens) holds while it
     * reads, uses and replaces the refresh token: a rotated token must be stored before the next refresh reads it.
     */
    public Object lock() {
        return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Object());
    }

    public Path path() {
        return file;
    }

    public boolean exists() {
        return Files.isReadable(file);
    }

    public String read() throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }

    public synchronized void write(String token) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, token, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
