package org.outboxrelay.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.outboxrelay.job.JobHeaders;
import org.outboxrelay.broker.EmbeddedBroker;

/**
 * Queue depths for the metrics: read directly from the embedded broker, or asked of an external one through
 * management messages (then at most every 15 seconds, so that scraping stays cheap).
 */
public class QueueDepths {

    private static final Duration CACHE = Duration.ofSeconds(15);

    private final EmbeddedBroker embedded;
    private final QueueTools tools;
    private final Map<String, long[]> cache = new ConcurrentHashMap<>();

    public QueueDepths(EmbeddedBroker embedded, QueueTools tools) {
        this.embedded = embedded;
        this.tools = tools;
    }

    /** Messages in the queue (deferred ones included), or -1 when the broker cannot tell. */
    public long depth(String queue) {
        if (embedded != null) {
            Queue q = embedded.server().locateQueue(SimpleString.of(queue));
            return q == null ? 0 : q.getMessageCount();
        }
        long now = System.currentTimeMillis();
        long[] cached = cache.get(queue);
        if (cached != null && now - cached[1] < CACHE.toMillis()) {
            return cached[0];
        }
        long depth;
        try {
            depth = tools.messageCount(queue);
        } catch (Exception e) {
            depth = -1;
        }
        cache.put(queue, new long[] {depth, now});
        return depth;
    }

    /**
     * When the oldest job waiting in the queue (ready or deferred) was first accepted, if the embedded broker
     * holds it: jobs posted straight to mail.jobs are not in the job store until first consumed.
     */
    public Instant oldestWaiting(String queue) {
        if (embedded == null) {
            return null;
        }
        Queue q = embedded.server().locateQueue(SimpleString.of(queue));
        if (q == null) {
            return null;
        }
        Instant oldest = null;
        for (MessageReference ref : new MessageReference[] {q.peekFirstMessage(), q.peekFirstScheduledMessage()}) {
            if (ref != null) {
                Object submitted = ref.getMessage().getObjectProperty(JobHeaders.SUBMITTED_AT);
                long at = submitted instanceof Number n ? n.longValue() : ref.getMessage().getTimestamp();
                Instant i = Instant.ofEpochMilli(at);
                oldest = oldest == null || i.isBefore(oldest) ? i : oldest;
            }
        }
        return oldest;
    }
}
