package org.outboxrelay.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.job.QueuedJob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboxFileParserTest {

    @TempDir
    Path dir;

    private final OutboxFileParser parser = new OutboxFileParser(10_000, Clock.systemUTC());

    private QueuedJob read(String name, String content) throws IOException {
        return parser.read(exchange(name, content));
    }

    private Exchange exchange(String name, String content) throws IOException {
        Path path = Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        GenericFile<Object> file = new GenericFile<>();
        file.setAbsoluteFilePath(path.toAbsolutePath().toString());
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader(Exchange.FILE_NAME_ONLY, name);
        exchange.getMessage().setBody(file);
        return exchange;
    }

    @Test
    void aJsonJobTheReadLockFoundCompleteIsTheBytesItFound() throws IOException {
        // the writer went on writing after the read lock took the file: what was found complete is the job
        Exchange exchange = exchange("w.json", "{\"id\": \"first\", \"to\": \"a@example.com\"}{\"id\": \"more\"}");
        byte[] found = "{\"id\": \"first\", \"to\": \"a@example.com\"}".getBytes(StandardCharsets.UTF_8);
        exchange.setProperty(OutboxReadLock.CHECKED, new OutboxFileParser.FileContents(found, found.length, 1234));
        QueuedJob job = parser.read(exchange);
        assertEquals("first", job.getId());
        assertArrayEquals(found, job.getPayload());
        assertEquals(found.length, job.getSize());
        assertNull(exchange.getProperty(OutboxReadLock.CHECKED), "not carried further");
    }

    @Test
    void aJsonJobKeepsItsOwnIdButNotItsTree() throws IOException {
        QueuedJob job = read("a.json", "{\"id\": \"mine\", \"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}");
        assertEquals("mine", job.getId());
        // read on the poller, a job waits there for an outbox thread with up to relay.outbox.max-files-per-poll
        // others: it holds its bytes only, and validation builds its tree on the thread that checks it
        assertNull(job.getJson());
    }

    @Test
    void aJobWithoutAnIdOfItsOwnGetsOneMadeOfTheFile() throws IOException {
        QueuedJob broken = read("b.json", "{\"to\": ");
        assertTrue(broken.getId().startsWith("outbox-"), broken.getId());
        QueuedJob noId = read("n.json", "{\"to\": \"a@example.com\"}");
        assertTrue(noId.getId().startsWith("outbox-"), noId.getId());
        QueuedJob raw = read("c.eml", "Subject: s\r\n\r\nbody\r\n");
        assertTrue(raw.isRaw());
        assertTrue(raw.getId().startsWith("outbox-"), raw.getId());
    }
}
