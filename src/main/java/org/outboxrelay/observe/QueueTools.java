package org.outboxrelay.observe;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.outboxrelay.job.JobHeaders;

/**
 * What Postfix administrators have in postqueue, postsuper and qshape, for the relay's queues: counts and ages
 * of mail.jobs and mail.dead, and the dead letters listed, shown, sent again (with their id, so idempotency
 * still applies) or purged. It works over JMS against any Artemis broker (the embedded one over its network
 * acceptor or in-VM, or an external one); counts and scheduled (deferred) jobs come from Artemis's management
 * messages, which need the manage permission.
 */
public class QueueTools {

    /** Age buckets of {@link QueueStatus#byAge}, like qshape's. */
    public static final List<Duration> AGE_BUCKETS = List.of(Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(12), Duration.ofDays(2));
    public static final List<String> AGE_LABELS = List.of("0-5m", "5-30m", "30m-2h", "2h-12h", "12h-2d", ">2d");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A queue at a glance: messages (ready + deferred), the oldest job's age, and how many by age. */
    public record QueueStatus(String queue, long total, long deferred, Duration oldest, List<Long> byAge) {
    }

    /** One dead letter: its id (jobId, or the JMS message id when it has none) and why it failed. */
    public record DeadLetter(String id, String jmsMessageId, String channel, int attempts, String failedAt,
            String reason, String smtpReply, String outboxFile, String contentType, String payload) {
    }

    private final ConnectionFactory connectionFactory;
    private final String user;
    private final String password;
    private final Clock clock;

    public QueueTools(ConnectionFactory connectionFactory, String user, String password, Clock clock) {
        this.connectionFactory = connectionFactory;
        this.user = user;
        this.password = password;
        this.clock = clock;
    }

    private Connection connect() throws JMSException {
        return user == null ? connectionFactory.createConnection() : connectionFactory.createConnection(user, password);
    }

    public QueueStatus status(String queue) throws Exception {
        Instant now = clock.instant();
        List<Instant> submitted = new ArrayList<>();
        JsonNode ready = JSON.readTree((String) manage(queue, "listMessagesAsJSON", ""));
        JsonNode scheduled = JSON.readTree((String) manage(queue, "listScheduledMessagesAsJSON"));
        for (JsonNode m : ready) {
            submitted.add(submittedAt(m));
        }
        for (JsonNode m : scheduled) {
            submitted.add(submittedAt(m));
        }
        List<Long> byAge = new ArrayList<>(Collections.nCopies(AGE_LABELS.size(), 0L));
        Instant oldest = null;
        for (Instant at : submitted) {
            Duration age = Duration.between(at, now);
            int bucket = 0;
            while (bucket < AGE_BUCKETS.size() && age.compareTo(AGE_BUCKETS.get(bucket)) >= 0) {
                bucket++;
            }
            byAge.set(bucket, byAge.get(bucket) + 1);
            oldest = oldest == null || at.isBefore(oldest) ? at : oldest;
        }
        return new QueueStatus(queue, submitted.size(), scheduled.size(),
                oldest == null ? Duration.ZERO : Duration.between(oldest, now), byAge);
    }

    private static Instant submittedAt(JsonNode m) {
        long at = m.path(JobHeaders.SUBMITTED_AT).asLong(0);
        if (at <= 0) {
            at = m.path("timestamp").asLong(System.currentTimeMillis());
        }
        return Instant.ofEpochMilli(at);
    }

    /** Messages in the queue, deferred ones included (from the broker's management). */
    public long messageCount(String queue) throws Exception {
        return ((Number) manage(queue, "getMessageCount")).longValue();
    }

    public List<DeadLetter> deadLetters() throws JMSException {
        List<DeadLetter> out = new ArrayList<>();
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            QueueBrowser browser = s.createBrowser(s.createQueue(QueueNames.DEAD));
            Enumeration<?> e = browser.getEnumeration();
            while (e.hasMoreElements()) {
                out.add(deadLetter((Message) e.nextElement(), false));
            }
        }
        return out;
    }

    public Optional<DeadLetter> deadLetter(String id) throws JMSException {
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            QueueBrowser browser = s.createBrowser(s.createQueue(QueueNames.DEAD), selector(id));
            Enumeration<?> e = browser.getEnumeration();
            return e.hasMoreElements() ? Optional.of(deadLetter((Message) e.nextElement(), true)) : Optional.empty();
        }
    }

    /**
     * Puts dead letters back on mail.jobs as fresh jobs (attempts and give-up time start again) under their id;
     * {@code id} null means all of them. Returns how many.
     */
    public int retry(String id) throws JMSException {
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer consumer = id == null ? s.createConsumer(s.createQueue(QueueNames.DEAD))
                    : s.createConsumer(s.createQueue(QueueNames.DEAD), selector(id));
            MessageProducer producer = s.createProducer(s.createQueue(QueueNames.JOBS));
            int n = 0;
            for (Message m = consumer.receive(1000); m != null; m = consumer.receive(500)) {
                producer.send(asFreshJob(s, m));
                n++;
                if (id != null) {
                    break;
                }
                if (n % 100 == 0) {
                    s.commit();
                }
            }
            s.commit();
            return n;
        }
    }

    /** Removes dead letters for good ({@code id} null: all). Returns how many. */
    public int purge(String id) throws JMSException {
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer consumer = id == null ? s.createConsumer(s.createQueue(QueueNames.DEAD))
                    : s.createConsumer(s.createQueue(QueueNames.DEAD), selector(id));
            int n = 0;
            for (Message m = consumer.receive(1000); m != null; m = consumer.receive(500)) {
                n++;
                if (id != null) {
                    break;
                }
                if (n % 100 == 0) {
                    s.commit();
                }
            }
            s.commit();
            return n;
        }
    }

    private Message asFreshJob(Session s, Message dead) throws JMSException {
        Message m;
        if (dead instanceof BytesMessage b) {
            byte[] bytes = new byte[(int) b.getBodyLength()];
            b.readBytes(bytes);
            BytesMessage copy = s.createBytesMessage();
            copy.writeBytes(bytes);
            m = copy;
        } else {
            m = s.createTextMessage(((TextMessage) dead).getText());
        }
        for (String p : new String[] {JobHeaders.JOB_ID, JobHeaders.CHANNEL, JobHeaders.CONTENT_TYPE,
                JobHeaders.OUTBOX_FILE, JobHeaders.ADMISSION}) {
            if (dead.propertyExists(p)) {
                m.setStringProperty(p, dead.getStringProperty(p));
            }
        }
        if (!dead.propertyExists(JobHeaders.JOB_ID)) {
            // a job posted without an id keeps the one the relay gave it
            m.setStringProperty(JobHeaders.JOB_ID, "jms-" + dead.getJMSMessageID().replaceFirst("^ID:", ""));
        }
        m.setLongProperty(JobHeaders.SUBMITTED_AT, clock.millis());
        return m;
    }

    private static DeadLetter deadLetter(Message m, boolean withPayload) throws JMSException {
        String payload = null;
        if (withPayload) {
            if (m instanceof TextMessage t) {
                payload = t.getText();
            } else if (m instanceof BytesMessage b) {
                byte[] bytes = new byte[(int) b.getBodyLength()];
                b.readBytes(bytes);
                payload = new String(bytes, StandardCharsets.UTF_8);
            }
        }
        String jobId = m.getStringProperty(JobHeaders.JOB_ID);
        return new DeadLetter(jobId != null ? jobId : m.getJMSMessageID(), m.getJMSMessageID(),
                m.getStringProperty(JobHeaders.CHANNEL),
                m.propertyExists(JobHeaders.ATTEMPTS) ? m.getIntProperty(JobHeaders.ATTEMPTS) : 0,
                m.getStringProperty(JobHeaders.FAILED_AT),
                m.propertyExists(JobHeaders.FAILURE_REASON) ? m.getStringProperty(JobHeaders.FAILURE_REASON)
                        : "moved here by the broker after repeated redelivery (from "
                                + m.getStringProperty("_AMQ_ORIG_ADDRESS") + ")",
                m.getStringProperty(JobHeaders.SMTP_REPLY), m.getStringProperty(JobHeaders.OUTBOX_FILE),
                m.getStringProperty(JobHeaders.CONTENT_TYPE), payload);
    }

    /** jobId or JMS message id, quoted for a JMS selector. */
    static String selector(String id) {
        String quoted = "'" + id.replace("'", "''") + "'";
        return JobHeaders.JOB_ID + " = " + quoted + " OR JMSMessageID = " + quoted;
    }

    /** Invokes a queue management operation of the broker (a request to activemq.management, reply to a temp queue). */
    private Object manage(String queue, String operation, Object... args) throws Exception {
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            Message request = s.createMessage();
            JMSManagementHelper.putOperationInvocation(request, "queue." + queue, operation, args);
            request.setJMSReplyTo(replies);
            s.createProducer(s.createQueue("activemq.management")).send(request);
            Message reply = s.createConsumer(replies).receive(30_000);
            if (reply == null || !JMSManagementHelper.hasOperationSucceeded(reply)) {
                throw new JMSException("the broker refused " + operation + " on " + queue + ": "
                        + (reply == null ? "no reply" : JMSManagementHelper.getResult(reply)));
            }
            return JMSManagementHelper.getResult(reply);
        }
    }

    /** The contract's queue names. */
    public static final class QueueNames {
        public static final String JOBS = "mail.jobs";
        public static final String DEAD = "mail.dead";

        private QueueNames() {
        }
    }
}
