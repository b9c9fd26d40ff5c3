package org.outboxrelay.broker;

import java.time.Instant;
import java.util.Map;

import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.core.server.transformer.Transformer;
import org.outboxrelay.job.JobHeaders;

/**
 * Gives a job the broker diverts from mail.jobs to mail.dead for its size ({@link EmbeddedBroker#oversizedFilter})
 * the dead letter's properties the relay would give it: {@code failureReason}, {@code failedAt} and
 * {@code channel}. The body stays as it was sent, on the broker's disk; nobody reads it.
 */
public class OversizedJobTransformer implements Transformer {

    /** The transformer property with relay.limits.max-message-bytes. */
    public static final String MAX_MESSAGE_BYTES = "max-message-bytes";

    private long maxMessageBytes;

    @Override
    public void init(Map<String, String> properties) {
        maxMessageBytes = Long.parseLong(properties.get(MAX_MESSAGE_BYTES));
    }

    @Override
    public Message transform(Message message) {
        Long large = message.getLongProperty(Message.HDR_LARGE_BODY_SIZE);
        long size = large != null ? large : message.getEncodeSize();
        // the broker keeps a text as two bytes per character (plus a 5-byte header)
        String what = message.getType() == Message.TEXT_TYPE ? "a text of about " + Math.max(0, (size - 5) / 2)
                + " characters" : size + " bytes";
        message.putStringProperty(JobHeaders.FAILURE_REASON, "invalid job: (job): is " + what + ", more than"
                + " relay.limits.max-message-bytes (" + maxMessageBytes + ") allows; the broker put it here at once,"
                + " the relay did not read it");
        message.putStringProperty(JobHeaders.FAILED_AT, Instant.now().toString());
        message.putStringProperty(JobHeaders.CHANNEL, "jms");
        return message;
    }
}
