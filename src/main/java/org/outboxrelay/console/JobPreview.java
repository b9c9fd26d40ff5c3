package org.outboxrelay.console;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.outboxrelay.delivery.JobReader;
import org.outboxrelay.delivery.MimeMessageBuilder;
import org.outboxrelay.delivery.OutgoingMessage;
import org.outboxrelay.job.JobHeaders;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.template.TemplateRenderer;

/**
 * A job as it travels on the broker (JSON mail job or complete message), made into the message the delivery route
 * would send: with the route's own beans (jobReader, templateRenderer, mimeBuilder), so the console shows exactly
 * what goes out - the same Message-ID, the template rendered, the attachments attached - only the Date is now.
 * A complete message is shown as it is.
 */
public class JobPreview {

    private final CamelContext context;

    public JobPreview(CamelContext context) {
        this.context = context;
    }

    /**
     * The message's bytes; a job that cannot be built says why ({@link IllegalArgumentException}).
     * {@code admittedAt}: when the job store first admitted the job, which its Message-ID is made of; null for a
     * job not admitted yet (it gets its Message-ID when the delivery route admits it).
     */
    public byte[] build(String jobId, String channel, String contentType, byte[] payload, Instant admittedAt) {
        if (JobHeaders.RFC822.equalsIgnoreCase(contentType)) {
            return payload;
        }
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setBody(new String(payload, StandardCharsets.UTF_8));
        exchange.getMessage().setHeader(JobHeaders.JOB_ID, jobId);
        exchange.getMessage().setHeader(JobHeaders.CONTENT_TYPE, contentType == null ? JobHeaders.JSON : contentType);
        exchange.getMessage().setHeader(JobHeaders.CHANNEL, channel);
        try {
            JobReader reader = bean("jobReader", JobReader.class);
            QueuedJob job = reader.read(exchange);
            reader.validate(job);
            job.setAdmittedAt(admittedAt);
            bean("templateRenderer", TemplateRenderer.class).render(job);
            OutgoingMessage message = bean("mimeBuilder", MimeMessageBuilder.class).build(job);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            message.writeTo(out);
            return out.toByteArray();
        } catch (Exception e) {
            throw new IllegalArgumentException("the job cannot be made into a message: " + e.getMessage(), e);
        }
    }

    private <T> T bean(String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("no bean " + name + " in the relay");
        }
        return bean;
    }
}
