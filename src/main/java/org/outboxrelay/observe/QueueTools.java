package org.outboxrelay.observe;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.ObjectMessage;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.StreamMessage;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.activemq.artemis.utils.SelectorTranslator;
import org.outboxrelay.job.Bookkeeping;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.FieldError;
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

    /**
     * One dead letter: its id (jobId, or the JMS message id when it has no usable one), why it failed, and - for
     * a letter the relay did not write itself, or one a client gave bad properties - what is wrong with it
     * ({@code problems}, empty for a good one). {@code size} is the body's size when the broker says it (-1 when
     * not), {@code payload} the content for show (null in lists, and for a body that is not a job or too large).
     */
    public record DeadLetter(String id, String jmsMessageId, String channel, int attempts, String failedAt,
            String reason, String smtpReply, String outboxFile, String contentType, String payload,
            List<String> problems, long size) {

        public DeadLetter {
            problems = problems == null ? List.of() : List.copyOf(problems);
        }

        /** Whether it can go back on mail.jobs as a job (text or bytes, not larger than a job may be). */
        public boolean bad() {
            return !problems.isEmpty();
        }
    }

    /** What a retry did: how many went back on mail.jobs, and the ones that cannot, with why. */
    public record RetryResult(int retried, List<DeadLetter> skipped) {
    }

    private final ConnectionFactory connectionFactory;
    private final String user;
    private final String password;
    private final Clock clock;
    private final long maxContentBytes;

    public QueueTools(ConnectionFactory connectionFactory, String user, String password, Clock clock) {
        this(connectionFactory, user, password, clock, 25L * 1024 * 1024);
    }

    /**
     * {@code maxContentBytes}: relay.limits.max-message-bytes. A dead letter with a larger body can never be a
     * job; the tools never read it into memory (they list, show and delete it without its content).
     */
    public QueueTools(ConnectionFactory connectionFactory, String user, String password, Clock clock,
            long maxContentBytes) {
        this.connectionFactory = connectionFactory;
        this.user = user;
        this.password = password;
        this.clock = clock;
        this.maxContentBytes = maxContentBytes;
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

    /**
     * Every dead letter, from the broker's management (properties only: no body is read, and no property of an
     * unexpected type can fail the listing).
     */
    public List<DeadLetter> deadLetters() throws Exception {
        return listed("");
    }

    /** The dead letters the (JMS) selector matches, from the broker's management. */
    private List<DeadLetter> listed(String selector) throws Exception {
        List<DeadLetter> out = new ArrayList<>();
        String filter = selector.isEmpty() ? "" : SelectorTranslator.convertToActiveMQFilterString(selector);
        for (JsonNode m : JSON.readTree((String) manage(QueueNames.DEAD, "listMessagesAsJSON", filter))) {
            out.add(fromListing(m));
        }
        return out;
    }

    /** One dead letter with its content (when it has content a person can read). */
    public Optional<DeadLetter> deadLetter(String id) throws Exception {
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            QueueBrowser browser = s.createBrowser(s.createQueue(QueueNames.DEAD), readable(selector(id)));
            Enumeration<?> e = browser.getEnumeration();
            if (e.hasMoreElements()) {
                return Optional.of(deadLetter((Message) e.nextElement(), true));
            }
        }
        // not readable (larger than any job may be): its properties only
        return listed(selector(id)).stream().findFirst();
    }

    /**
     * Puts dead letters back on mail.jobs as fresh jobs (attempts and give-up time start again) under their id;
     * {@code id} null means all of them. Returns how many.
     */
    public int retry(String id) throws Exception {
        return retryDead(id).retried();
    }

    /**
     * Puts dead letters back on mail.jobs as fresh jobs (attempts and give-up time start again) under their id
     * ({@code id} null: all of them). Only the relay's own properties with valid values go along. A letter that
     * can never be a job (a MapMessage, ObjectMessage, StreamMessage or a message without a body, or a body
     * larger than relay.limits.max-message-bytes) stays where it is and is returned as skipped, with why.
     */
    public RetryResult retryDead(String id) throws Exception {
        String match = id == null ? "" : selector(id);
        List<String> retryable = new ArrayList<>();
        List<DeadLetter> skipped = new ArrayList<>();
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            // first which ones can be jobs (a browser reads no larger body than a job may have)
            Enumeration<?> e = s.createBrowser(s.createQueue(QueueNames.DEAD), readable(match)).getEnumeration();
            while (e.hasMoreElements()) {
                Message m = (Message) e.nextElement();
                if (m instanceof TextMessage || m instanceof BytesMessage) {
                    retryable.add(m.getJMSMessageID());
                } else {
                    skipped.add(deadLetter(m, false));
                }
            }
        }
        for (DeadLetter d : listed(match.isEmpty() ? tooLarge() : "(" + match + ") AND " + tooLarge())) {
            skipped.add(d);
        }
        int n = 0;
        for (int from = 0; from < retryable.size(); from += 100) {
            n += moveBack(retryable.subList(from, Math.min(retryable.size(), from + 100)));
        }
        return new RetryResult(n, skipped);
    }

    /** Takes these dead letters (by JMS message id) off mail.dead and queues them as fresh jobs, in one transaction. */
    private int moveBack(List<String> jmsIds) throws JMSException {
        StringBuilder in = new StringBuilder("JMSMessageID IN (");
        for (int i = 0; i < jmsIds.size(); i++) {
            in.append(i == 0 ? "" : ", ").append(quoted(jmsIds.get(i)));
        }
        in.append(')');
        try (Connection c = connect()) {
            c.start();
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer consumer = s.createConsumer(s.createQueue(QueueNames.DEAD), in.toString());
            MessageProducer producer = s.createProducer(s.createQueue(QueueNames.JOBS));
            int n = 0;
            while (n < jmsIds.size()) {
                Message m = consumer.receive(n == 0 ? 1000 : 500);
                if (m == null) {
                    break; // taken by someone else meanwhile
                }
                producer.send(asFreshJob(s, m));
                n++;
            }
            s.commit();
            return n;
        }
    }

    /**
     * Removes dead letters for good ({@code id} null: all), whatever they hold: on the broker, without reading
     * them. Returns how many.
     */
    public int purge(String id) throws Exception {
        String filter = id == null ? "" : SelectorTranslator.convertToActiveMQFilterString(selector(id));
        return ((Number) manage(QueueNames.DEAD, "removeMessages", filter)).intValue();
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
        // only the relay's properties that hold valid values go along; the others would fail the job again
        List<FieldError> ignored = new ArrayList<>();
        String jobId = Bookkeeping.jobId(dead.getObjectProperty(JobHeaders.JOB_ID), ignored);
        // a job without a usable id keeps (or gets) the one the relay gives it
        m.setStringProperty(JobHeaders.JOB_ID, jobId != null ? jobId
                : "jms-" + dead.getJMSMessageID().replaceFirst("^ID:", ""));
        String contentType = Bookkeeping.contentType(dead.getObjectProperty(JobHeaders.CONTENT_TYPE), ignored);
        if (contentType != null) {
            m.setStringProperty(JobHeaders.CONTENT_TYPE, contentType);
        }
        List<FieldError> problems = new ArrayList<>();
        Channel channel = Bookkeeping.channel(dead.getObjectProperty(JobHeaders.CHANNEL), problems);
        String outboxFile = Bookkeeping.outboxFile(dead.getObjectProperty(JobHeaders.OUTBOX_FILE), channel, problems);
        String admission = Bookkeeping.admission(dead.getObjectProperty(JobHeaders.ADMISSION), problems);
        if (problems.isEmpty()) {
            if (dead.propertyExists(JobHeaders.CHANNEL)) {
                m.setStringProperty(JobHeaders.CHANNEL, channel.id());
            }
            if (outboxFile != null) {
                m.setStringProperty(JobHeaders.OUTBOX_FILE, outboxFile);
            }
            if (admission != null) {
                m.setStringProperty(JobHeaders.ADMISSION, admission);
            }
        }
        m.setLongProperty(JobHeaders.SUBMITTED_AT, clock.millis());
        return m;
    }

    /** A dead letter as the browser gives it; its content only when asked and when it is text or bytes. */
    private DeadLetter deadLetter(Message m, boolean withPayload) throws JMSException {
        Map<String, Object> properties = new java.util.LinkedHashMap<>();
        for (Enumeration<?> names = m.getPropertyNames(); names.hasMoreElements();) {
            String name = (String) names.nextElement();
            properties.put(name, m.getObjectProperty(name));
        }
        List<String> problems = new ArrayList<>();
        String payload = null;
        long size = -1;
        if (m instanceof TextMessage t) {
            String text = t.getText();
            size = text == null ? 0 : text.length();
            payload = withPayload ? text : null;
        } else if (m instanceof BytesMessage b) {
            size = b.getBodyLength();
            if (size > maxContentBytes) {
                problems.add("content: " + size + " bytes, more than relay.limits.max-message-bytes ("
                        + maxContentBytes + ") allows; not shown");
            } else if (withPayload) {
                byte[] bytes = new byte[(int) size];
                b.readBytes(bytes);
                payload = new String(bytes, StandardCharsets.UTF_8);
            }
        } else {
            problems.add("content: " + kind(m) + ", not a job; it can never be sent (purge it)");
        }
        return describe(properties, m.getJMSMessageID(), payload, size, problems);
    }

    /** A dead letter from the management listing: properties and headers, no body. */
    private DeadLetter fromListing(JsonNode m) {
        Map<String, Object> properties = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            properties.put(f.getKey(), v.isTextual() ? v.asText() : v.isIntegralNumber() ? (Object) v.asLong()
                    : v.isBoolean() ? (Object) v.asBoolean() : v.isNull() ? null : v.toString());
        }
        String userId = m.path("userID").asText(null);
        long size = m.path("_AMQ_LARGE_SIZE").asLong(-1);
        return describe(properties, userId != null ? userId : "ID:" + m.path("messageID").asText(), null, size,
                new ArrayList<>());
    }

    /** The dead letter from its properties, each read as input: a bad value is named in the problems. */
    private DeadLetter describe(Map<String, Object> p, String jmsId, String payload, long size, List<String> problems) {
        List<FieldError> errors = new ArrayList<>();
        String jobId = Bookkeeping.jobId(p.get(JobHeaders.JOB_ID), errors);
        Channel channel = Bookkeeping.channel(p.get(JobHeaders.CHANNEL), errors);
        int attempts = Bookkeeping.attempts(p.get(JobHeaders.ATTEMPTS), errors);
        Bookkeeping.submittedAt(p.get(JobHeaders.SUBMITTED_AT), clock, errors);
        String outboxFile = p.get(JobHeaders.OUTBOX_FILE) == null ? null
                : Bookkeeping.outboxFile(p.get(JobHeaders.OUTBOX_FILE), channel, errors);
        String contentType = Bookkeeping.contentType(p.get(JobHeaders.CONTENT_TYPE), errors);
        for (FieldError e : errors) {
            problems.add(e.toString());
        }
        String reason = text(p, JobHeaders.FAILURE_REASON, problems);
        if (reason == null && size > 2 * maxContentBytes + 16) {
            // an external broker's divert of oversized jobs without the relay's transformer (see README)
            reason = "larger than relay.limits.max-message-bytes: moved here by the broker as it arrived";
        } else if (reason == null) {
            reason = "moved here by the broker after repeated redelivery (from "
                    + (p.get("_AMQ_ORIG_ADDRESS") != null ? p.get("_AMQ_ORIG_ADDRESS") : "an unknown address") + ")";
        }
        String failedAt = text(p, JobHeaders.FAILED_AT, problems);
        if (failedAt != null) {
            try {
                Instant.parse(failedAt);
            } catch (DateTimeParseException e) {
                problems.add(JobHeaders.FAILED_AT + ": \"" + cut(failedAt) + "\" is not a time");
            }
        }
        if (size > 2 * maxContentBytes + 16) {
            problems.add(0, "content: " + size + " bytes, more than relay.limits.max-message-bytes (" + maxContentBytes
                    + ") allows; it can never be sent (purge it)");
        }
        return new DeadLetter(jobId != null ? jobId : jmsId, jmsId,
                p.get(JobHeaders.CHANNEL) == null ? null : channel.id(), attempts, failedAt, reason,
                text(p, JobHeaders.SMTP_REPLY, problems), outboxFile, contentType, payload, problems, size);
    }

    private static String text(Map<String, Object> p, String name, List<String> problems) {
        Object v = p.get(name);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        problems.add(name + ": is not text");
        return null;
    }

    private static String cut(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static String kind(Message m) {
        return m instanceof MapMessage ? "a JMS MapMessage" : m instanceof StreamMessage ? "a JMS StreamMessage"
                : m instanceof ObjectMessage ? "a JMS ObjectMessage" : "a JMS Message without a body";
    }

    /** The selector with the bodies a job may have: no browser or consumer of the tools reads a larger one. */
    private String readable(String selector) {
        String small = "(_AMQ_LARGE_SIZE IS NULL OR _AMQ_LARGE_SIZE <= " + (2 * maxContentBytes + 16) + ")";
        return selector.isEmpty() ? small : "(" + selector + ") AND " + small;
    }

    private String tooLarge() {
        return "_AMQ_LARGE_SIZE > " + (2 * maxContentBytes + 16);
    }

    /** jobId or JMS message id, quoted for a JMS selector. */
    static String selector(String id) {
        return JobHeaders.JOB_ID + " = " + quoted(id) + " OR JMSMessageID = " + quoted(id);
    }

    private static String quoted(String value) {
        return "'" + value.replace("'", "''") + "'";
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
