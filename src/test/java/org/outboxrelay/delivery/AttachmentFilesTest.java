package org.outboxrelay.delivery;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.job.InvalidJobException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttachmentFilesTest {

    @TempDir
    Path tmp;

    @Test
    void onlyFilesInsideTheFolder() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("attachments"));
        Files.writeString(root.resolve("ok.txt"), "ok");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/inner.txt"), "inner");
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(root.resolve("link.txt"), tmp.resolve("secret.txt"));
        AttachmentFiles files = new AttachmentFiles(root);

        assertArrayEquals("ok".getBytes(), files.read("f", "ok.txt"));
        assertArrayEquals("inner".getBytes(), files.read("f", "sub/inner.txt"));
        assertTrue(refused(files, "../secret.txt").contains("leaves relay.attachments.dir"));
        assertTrue(refused(files, "sub/../../secret.txt").contains("leaves relay.attachments.dir"));
        assertTrue(refused(files, tmp.resolve("secret.txt").toString()).contains("not absolute"));
        assertTrue(refused(files, "link.txt").contains("link that leaves"));
        assertTrue(refused(files, "missing.txt").contains("no such file"));
        assertTrue(refused(new AttachmentFiles(null), "ok.txt").contains("set relay.attachments.dir"));
    }

    private static String refused(AttachmentFiles files, String path) {
        return assertThrows(InvalidJobException.class, () -> files.read("f", path)).getMessage();
    }
}
