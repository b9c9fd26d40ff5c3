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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboxFileParserTest {

    @TempDir
    Path dir;

    private final OutboxFileParser parser = new OutboxFileParser(10_000, Clock.systemUTC());

    private QueuedJob read(String name, String content) throws IOException {
        Path path = Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        GenericFile<Object> file = new GenericFile<>();
        file.setAbsoluteFilePath(path.toAbsolutePath().toString());
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader(Exchange.FILE_NAME_ONLY, name);
        exchange.getMessage().setBody(file);
        return parser.read(exchange);
    }

    @Test
    void aJsonJobIsParsedOnceAndValidationGoesOnWithTheSameTree() throws IOException {
        QueuedJob job = read("a.json", "{\"id\": \"mine\", \"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}");
        assertEquals("mine", job.getId());
        assertEquals("a@example.com", job.getJson().get("to").asText(), "the tree read() parsed is on the job");
    }

    @Test
    void aJobThatIsNotJsonKeepsNoTreeAndGetsAnIdMadeOfTheFile() throws IOException {
        QueuedJob broken = read("b.json", "{\"to\": ");
        assertNull(broken.getJson(), "validation parses it again and says why it is not JSON");
        assertTrue(broken.getId().startsWith("outbox-"), broken.getId());
        QueuedJob raw = read("c.eml", "Subject: s\r\n\r\nbody\r\n");
        assertNull(raw.getJson(), "a complete message is not JSON");
        assertTrue(raw.isRaw());
    }
}
