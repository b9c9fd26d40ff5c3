package org.outboxrelay.observe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.logging.log4j.core.appender.RollingFileAppender;
import org.apache.logging.log4j.core.appender.rolling.CompositeTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.DefaultRolloverStrategy;
import org.apache.logging.log4j.core.appender.rolling.SizeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.TimeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.camel.support.service.ServiceSupport;
import org.outboxrelay.job.QueuedJob;

/**
 * The audit trail: one JSON line per delivery attempt (and per outbox file refused at the door) in
 * {@code data/log/audit.jsonl}, rotated daily and at relay.audit.max-file-size (log4j2's rolling file appender,
 * old files gzipped, relay.audit.max-files kept). It says what happened, never what was sent: no bodies, no
 * subjects, no secrets, and recipient addresses only with relay.audit.include-addresses=true.
 */
public class AuditTrail extends ServiceSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final boolean includeAddresses;
    private final String maxFileSize;
    private final int maxFiles;
    private final Clock clock;
    private RollingFileAppender appender;

    public AuditTrail(Path dir, boolean includeAddresses, String maxFileSize, int maxFiles, Clock clock) {
        this.dir = dir;
        this.includeAddresses = includeAddresses;
        this.maxFileSize = maxFileSize;
        this.maxFiles = maxFiles;
        this.clock = clock;
    }

    @Override
    protected void doStart() {
        DefaultConfiguration config = new DefaultConfiguration();
        appender = RollingFileAppender.newBuilder()
                .setName("audit")
                .withFileName(dir.resolve("audit.jsonl").toString())
                .withFilePattern(dir.resolve("audit-%d{yyyy-MM-dd}-%i.jsonl.gz").toString())
                .setLayout(PatternLayout.newBuilder().withPattern("%m%n").withCharset(StandardCharsets.UTF_8)
                        .withConfiguration(config).build())
                .withPolicy(CompositeTriggeringPolicy.createPolicy(
                        SizeBasedTriggeringPolicy.createPolicy(maxFileSize),
                        TimeBasedTriggeringPolicy.newBuilder().build()))
                .withStrategy(DefaultRolloverStrategy.newBuilder().withMax(String.valueOf(maxFiles))
                        .withConfig(config).build())
                .withImmediateFlush(true)
                .setConfiguration(config)
                .build();
        appender.start();
    }

    @Override
    protected void doStop() {
        if (appender != null) {
            appender.stop();
        }
    }

    /** Writes the line for the outcome event in the body (as published on mail.events). */
    public void record(Exchange exchange) throws JsonProcessingException {
        JsonNode event = JSON.readTree(exchange.getMessage().getBody(String.class));
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("at", clock.instant().toString());
        line.put("jobId", text(event, "jobId"));
        line.put("messageId", text(event, "messageId"));
        line.put("channel", text(event, "channel"));
        line.put("node", text(event, "node"));
        line.put("attempt", event.path("attempt").asInt());
        line.put("outcome", text(event, "status"));
        JsonNode recipients = event.path("recipients");
        int accepted = recipients.path("accepted").asInt();
        int refused = recipients.path("refused").size();
        line.put("recipients", job != null && job.getMailJob() != null ? job.getMailJob().recipientCount()
                : job != null && job.getRawMessage() != null ? job.getRawMessage().recipients().size() : accepted + refused);
        line.put("accepted", accepted);
        line.put("refused", refused);
        String reply = text(event, "smtpReply");
        line.put("smtpCode", reply != null && reply.length() >= 3 && Character.isDigit(reply.charAt(0))
                ? Integer.valueOf(reply.substring(0, 3)) : null);
        line.put("smtpReply", reply);
        line.put("durationMs", clock.millis() - exchange.getClock().getCreated());
        if (event.has("reason")) {
            line.put("reason", text(event, "reason"));
        }
        if (includeAddresses) {
            List<String> refusedAddresses = new ArrayList<>();
            recipients.path("refused").forEach(r -> refusedAddresses.add(r.path("address").asText()));
            line.put("refusedAddresses", refusedAddresses);
            if (job != null && job.getMailJob() != null) {
                List<String> all = new ArrayList<>(job.getMailJob().to());
                all.addAll(job.getMailJob().cc());
                all.addAll(job.getMailJob().bcc());
                line.put("addresses", all);
            }
        }
        appender.append(Log4jLogEvent.newBuilder().setLoggerName("audit")
                .setMessage(new SimpleMessage(JSON.writeValueAsString(line))).build());
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
