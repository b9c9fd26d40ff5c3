package org.outboxrelay.observe;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.apache.camel.Body;
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
import org.outboxrelay.delivery.OutcomeEvent;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.QueuedJob;

/**
 * The audit trail: one JSON line per delivery attempt (and per outbox file refused at the door) in
 * {@code data/log/audit.jsonl}, rotated daily and at relay.audit.max-file-size (log4j2's rolling file appender,
 * old files gzipped, relay.audit.max-files kept). It says what happened, never what was sent: no bodies, no
 * subjects, no secrets, and recipient addresses only with relay.audit.include-addresses=true.
 */
public class AuditTrail extends ServiceSupport {

    private static final JsonFactory JSON = new JsonFactory();

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

    /** Writes the line for the outcome event in the body (the event published on mail.events). */
    public void record(@Body OutcomeEvent event, Exchange exchange) throws IOException {
        QueuedJob job = exchange.getProperty("job", QueuedJob.class);
        MailJob mail = job == null ? null : job.getMailJob();
        StringWriter out = new StringWriter(320);
        try (JsonGenerator line = JSON.createGenerator(out)) {
            line.writeStartObject();
            line.writeStringField("at", clock.instant().toString());
            line.writeStringField("jobId", event.jobId());
            line.writeStringField("messageId", event.messageId());
            line.writeStringField("channel", event.channel());
            line.writeStringField("node", event.node());
            line.writeNumberField("attempt", event.attempt());
            line.writeStringField("outcome", event.status().id());
            line.writeNumberField("recipients", mail != null ? mail.recipientCount()
                    : job != null && job.getRawMessage() != null ? job.getRawMessage().recipients().size()
                    : event.accepted() + event.refused().size());
            line.writeNumberField("accepted", event.accepted());
            line.writeNumberField("refused", event.refused().size());
            Integer code = event.smtpCode();
            if (code == null) {
                line.writeNullField("smtpCode");
            } else {
                line.writeNumberField("smtpCode", code);
            }
            line.writeStringField("smtpReply", event.smtpReply());
            line.writeNumberField("durationMs", clock.millis() - exchange.getClock().getCreated());
            if (event.hasReason()) {
                line.writeStringField("reason", event.reason());
            }
            if (includeAddresses) {
                line.writeArrayFieldStart("refusedAddresses");
                for (OutcomeEvent.Recipient r : event.refused()) {
                    line.writeString(r.address());
                }
                line.writeEndArray();
                if (mail != null) {
                    line.writeArrayFieldStart("addresses");
                    for (List<String> list : List.of(mail.to(), mail.cc(), mail.bcc())) {
                        for (String a : list) {
                            line.writeString(a);
                        }
                    }
                    line.writeEndArray();
                }
            }
            line.writeEndObject();
        }
        appender.append(Log4jLogEvent.newBuilder().setLoggerName("audit")
                .setMessage(new SimpleMessage(out.toString())).build());
    }
}
