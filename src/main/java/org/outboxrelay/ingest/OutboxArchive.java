package org.outboxrelay.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.camel.Exchange;
import org.outboxrelay.delivery.DeliveryFailure;
import org.outboxrelay.delivery.FailureKind;
import org.outboxrelay.job.QueuedJob;

/**
 * Names and error reports for the originals of outbox jobs that ended: {@code outbox/sent/NAME} and
 * {@code outbox/failed/NAME} with {@code NAME.error.json}. A name already taken gets a time stamp, so no
 * earlier file is overwritten.
 */
public class OutboxArchive {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path outboxDir;
    private final Clock clock;

    public OutboxArchive(Path outboxDir, Clock clock) {
        this.outboxDir = outboxDir;
        this.clock = clock;
    }

    public String sentName(Exchange exchange) {
        return freeName("sent", originalName(exchange));
    }

    public String failedName(Exchange exchange) {
        String name = originalName(exchange);
        String free = freeName("failed", name);
        while (Files.exists(outboxDir.resolve("failed").resolve(free + ".error.json"))) {
            free = stamped(name, System.nanoTime() % 1000);
        }
        return free;
    }

    /** Why a duplicate file was not queued, for its error report. */
    public DeliveryFailure duplicateFailure(Exchange exchange) {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        return new DeliveryFailure(FailureKind.PERMANENT, 0, null, null, "duplicate: a job with id " + job.getId()
                + " is already " + job.getDuplicateOf() + "; this one was not sent");
    }

    /** The NAME.error.json of a failed outbox job: reason, last SMTP reply, attempts and times. */
    public String errorReport(Exchange exchange) throws JsonProcessingException {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        DeliveryFailure failure = exchange.getProperty("failure", DeliveryFailure.class);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", originalName(exchange));
        r.put("jobId", job == null ? null : job.getId());
        r.put("status", job != null && job.isDuplicate() ? "duplicate" : "failed");
        r.put("reason", failure == null ? "unknown" : failure.reason());
        r.put("smtpReply", failure == null ? null : failure.smtpReply());
        if (failure != null && failure.fix() != null) {
            r.put("fix", failure.fix());
        }
        // SMTP attempts made: a job that never got as far as a built message made none this time
        r.put("attempts", job == null ? 0 : job.getMessageId() == null ? job.getPreviousAttempts() : job.getAttempt());
        r.put("messageId", job == null ? null : job.getMessageId());
        r.put("submittedAt", job == null ? null : job.getSubmittedAt().toString());
        r.put("failedAt", clock.instant().toString());
        return JSON.writeValueAsString(r);
    }

    private static String originalName(Exchange exchange) {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        if (job != null && job.getOutboxFile() != null) {
            return job.getOutboxFile();
        }
        return exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, "unknown", String.class);
    }

    private String freeName(String folder, String name) {
        Path dir = outboxDir.resolve(folder);
        String candidate = name;
        for (int i = 1; Files.exists(dir.resolve(candidate)); i++) {
            candidate = stamped(name, i);
        }
        return candidate;
    }

    private String stamped(String name, long n) {
        int dot = name.lastIndexOf('.');
        String stamp = clock.instant().toString().replace(":", "").replace("-", "") + (n > 1 ? "-" + n : "");
        return dot > 0 ? name.substring(0, dot) + "." + stamp + name.substring(dot) : name + "." + stamp;
    }
}
