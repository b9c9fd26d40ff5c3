package org.outboxrelay.ingest;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.camel.component.file.GenericFile;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboxReadLockTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static boolean complete(Path path, long maxBytes) {
        return OutboxReadLock.completeJson(path, maxBytes) != null;
    }

    @Test
    void aCompleteJsonObjectOrArrayIsComplete() throws Exception {
        assertTrue(complete(write("a.json", "{\"to\": \"a@example.com\", \"text\": \"}\"}\n"), 1000));
        assertTrue(complete(write("b.json", " [{\"to\": \"a@example.com\"}] \r\n"), 1000));
    }

    @Test
    void noPrefixOfAJobIsComplete() throws Exception {
        String job = "{\"to\": \"a@example.com\", \"subject\": \"s\", \"tags\": [\"x\", {\"y\": 1}], \"text\": \"t\"}";
        for (int i = 0; i < job.length(); i++) {
            assertFalse(complete(write("p.json", job.substring(0, i)), 1000), job.substring(0, i));
        }
        assertTrue(complete(write("p.json", job), 1000));
    }

    @Test
    void otherContentIsNotComplete() throws Exception {
        assertFalse(complete(write("n.json", "12"), 1000), "a job is an object");
        assertFalse(complete(write("t.json", "{} {}"), 1000), "two documents");
        assertFalse(complete(write("g.json", "{}x"), 1000), "something after it");
        assertFalse(complete(write("big.json", "{\"text\": \"" + "x".repeat(100) + "\"}"), 50),
                "larger than the limit: not read");
        assertFalse(complete(dir.resolve("gone.json"), 1000));
    }

    @Test
    void aYoungCompleteJsonFileIsTakenAtOnceAndAYoungMessageWaits() throws Exception {
        OutboxReadLock lock = new OutboxReadLock(Duration.ofHours(1), 1000, 300);
        DefaultExchange exchange = new DefaultExchange(new DefaultCamelContext());
        assertTrue(lock.acquireExclusiveReadLock(null, file(write("job.json", "{\"to\": \"a@example.com\"}")), exchange));
        OutboxFileParser.FileContents checked = exchange.getProperty(OutboxReadLock.CHECKED,
                OutboxFileParser.FileContents.class);
        assertEquals("{\"to\": \"a@example.com\"}", new String(checked.payload(), StandardCharsets.UTF_8),
                "the outbox takes the very bytes found complete");
        exchange.removeProperty(OutboxReadLock.CHECKED);
        assertFalse(lock.acquireExclusiveReadLock(null, file(write("cut.json", "{\"to\": \"a@exa")), exchange),
                "a prefix waits for min-age, and the read lock gives up after its timeout");
        assertFalse(lock.acquireExclusiveReadLock(null, file(write("m.eml", "Subject: s\r\n\r\nb\r\n")), exchange),
                "a message has no end to see: it waits for min-age");
        assertEquals(null, exchange.getProperty(OutboxReadLock.CHECKED), "nothing checked for a file that waits");
        assertEquals(1, OutboxReadLock.minAgeMillis(Duration.ZERO), "0 would make Camel's read lock wait 250 ms per file");
    }

    private static GenericFile<File> file(Path path) throws Exception {
        GenericFile<File> f = new GenericFile<>();
        f.setAbsoluteFilePath(path.toAbsolutePath().toString());
        f.setFileNameOnly(path.getFileName().toString());
        f.setFileName(path.getFileName().toString());
        f.setFile(path.toFile());
        f.setLastModified(Files.getLastModifiedTime(path).toMillis());
        f.setFileLength(Files.size(path));
        return f;
    }
}
