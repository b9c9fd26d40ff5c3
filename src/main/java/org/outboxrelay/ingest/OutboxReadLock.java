package org.outboxrelay.ingest;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileOperations;
import org.apache.camel.component.file.strategy.FileChangedExclusiveReadLockStrategy;

/**
 * When the outbox may take a file: Camel's {@code changed} read lock, which leaves a file changed less than
 * relay.outbox.min-age ago for later, except that a {@code *.json} file that holds one complete JSON object or
 * array is taken at once, however young.
 *
 * <p>Why that is safe: a writer that does not rename has written a prefix of its job until it is done, and no
 * proper prefix of a JSON object or array is a complete JSON document (its closing bracket comes last). So a
 * complete one is the whole job; a prefix is not, and waits for min-age like any other file. A {@code *.eml}
 * has no such end (a message cut anywhere is still a message) and always waits. Without this a burst of JSON
 * jobs waited about min-age (1 s) before its first file was taken, on every burst.
 */
public class OutboxReadLock extends FileChangedExclusiveReadLockStrategy {

    /** How often a young file is looked at again while the poller waits for it. */
    static final long CHECK_INTERVAL_MILLIS = 250;
    /** How long the poller waits for one file before it leaves it for the next poll. */
    static final long TIMEOUT_MILLIS = 2000;

    /** The exchange property with what was read of a file taken at once, which the outbox takes as it is. */
    public static final String CHECKED = "outboxCheckedJson";

    private static final JsonFactory JSON = new JsonFactory();

    private final long maxBytes;

    /**
     * @param minAge   relay.outbox.min-age
     * @param maxBytes relay.limits.max-message-bytes: a larger file is not read here (the outbox refuses it)
     */
    public OutboxReadLock(Duration minAge, long maxBytes) {
        this(minAge, maxBytes, TIMEOUT_MILLIS);
    }

    OutboxReadLock(Duration minAge, long maxBytes, long timeoutMillis) {
        this.maxBytes = maxBytes;
        setMinAge(minAgeMillis(minAge));
        setMinLength(0);
        setCheckInterval(CHECK_INTERVAL_MILLIS);
        setTimeout(timeoutMillis);
        setMarkerFiler(false);
        setReadLockLoggingLevel(LoggingLevel.OFF);
    }

    /**
     * The minimum age handed to Camel: at least 1 ms. Camel's {@code changed} read lock takes 0 to mean something
     * else, that a file is taken only once two looks 250 ms apart find it unchanged; the poller would wait those
     * 250 ms for each file in turn, about 4 files a second. With 1 ms a file is taken at once unless it changed in
     * the last millisecond.
     */
    public static long minAgeMillis(Duration minAge) {
        return Math.max(1, minAge.toMillis());
    }

    @Override
    public boolean acquireExclusiveReadLock(GenericFileOperations<File> operations, GenericFile<File> file,
            Exchange exchange) throws Exception {
        boolean young = System.currentTimeMillis() - file.getLastModified() < getMinAge();
        if (young && file.getFileNameOnly().endsWith(".json")) {
            OutboxFileParser.FileContents checked = completeJson(Path.of(file.getAbsoluteFilePath()), maxBytes);
            if (checked != null) {
                // the outbox takes exactly what was found complete, whatever the file holds by the time it is read
                exchange.setProperty(CHECKED, checked);
                return true;
            }
        }
        return super.acquireExclusiveReadLock(operations, file, exchange);
    }

    /** The file as read ({@link OutboxFileParser#readFile}) when it holds a complete JSON job; else null. */
    static OutboxFileParser.FileContents completeJson(Path path, long maxBytes) {
        try {
            OutboxFileParser.FileContents read = OutboxFileParser.readFile(path, maxBytes);
            return read.payload() != null && isCompleteJson(read.payload()) ? read : null;
        } catch (IOException | RuntimeException e) {
            return null; // gone, or cannot be read: Camel's read lock decides
        }
    }

    /** Whether the bytes are one JSON object or array and nothing after it but white space. */
    static boolean isCompleteJson(byte[] bytes) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException | RuntimeException e) {
            return false; // cut short, or not JSON
        }
    }
}
