package org.outboxrelay.job;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One job on its way through the delivery route: what was queued (identity, channel, original payload and the
 * bookkeeping carried as JMS properties), plus what the route learns about it step by step (its parsed content,
 * Message-ID, the outcome). The route keeps it in the exchange property {@code job}.
 */
public class QueuedJob {

    private final String id;
    private final Channel channel;
    private final boolean raw;
    private final byte[] payload;
    private final long size;
    private final int previousAttempts;
    private final Instant submittedAt;
    private final String outboxFile;
    private final String admission;

    private JsonNode json;
    private MailJob mailJob;
    private RawMessage rawMessage;
    private String messageId;
    private boolean duplicate;
    private String duplicateOf;
    private final List<Object> partResults = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int reservedRecipients;
    private List<String> alreadySentTo = List.of();
    private Instant admittedAt;
    private int messageCount = 1;
    private String deliveryId;
    private List<SuppressedRecipient> suppressed = List.of();
    private List<FieldError> problems = List.of();
    private boolean newId;

    public QueuedJob(String id, Channel channel, boolean raw, byte[] payload, int previousAttempts,
            Instant submittedAt, String outboxFile, String admission) {
        this(id, channel, raw, payload, payload.length, previousAttempts, submittedAt, outboxFile, admission);
    }

    /** A job whose payload may not have been read (null) because it is larger than allowed. */
    public QueuedJob(String id, Channel channel, boolean raw, byte[] payload, long size, int previousAttempts,
            Instant submittedAt, String outboxFile, String admission) {
        this.id = id;
        this.channel = channel;
        this.raw = raw;
        this.payload = payload;
        this.size = size;
        this.previousAttempts = previousAttempts;
        this.submittedAt = submittedAt;
        this.outboxFile = outboxFile;
        this.admission = admission;
    }

    public String getId() {
        return id;
    }

    public Channel getChannel() {
        return channel;
    }

    /** True for a complete RFC 5322 message, false for a JSON job. */
    public boolean isRaw() {
        return raw;
    }

    /** The job as submitted: JSON text or a complete message. Null only for a file too large to be read. */
    public byte[] getPayload() {
        return payload;
    }

    /** Size of the payload in bytes. */
    public long getSize() {
        return size;
    }

    /** Attempts made before this one. */
    public int getPreviousAttempts() {
        return previousAttempts;
    }

    /** The number of this attempt (1 for the first). */
    public int getAttempt() {
        return previousAttempts + 1;
    }

    public Instant getSubmittedAt() {
        return submittedAt;
    }

    public String getOutboxFile() {
        return outboxFile;
    }

    public boolean isFromOutbox() {
        return outboxFile != null;
    }

    public String getAdmission() {
        return admission;
    }

    /** The payload's JSON, parsed once when the job was read (null for a raw message or text that is no JSON). */
    public JsonNode getJson() {
        return json;
    }

    public void setJson(JsonNode json) {
        this.json = json;
    }

    public MailJob getMailJob() {
        return mailJob;
    }

    public void setMailJob(MailJob mailJob) {
        this.mailJob = mailJob;
    }

    public RawMessage getRawMessage() {
        return rawMessage;
    }

    public void setRawMessage(RawMessage rawMessage) {
        this.rawMessage = rawMessage;
    }

    public String getMessageId() {
        return messageId;
    }

    public void setMessageId(String messageId) {
        this.messageId = messageId;
    }

    public boolean isDuplicate() {
        return duplicate;
    }

    /** Status of the earlier job with the same id. */
    public String getDuplicateOf() {
        return duplicateOf;
    }

    /**
     * The relay made this job's id just now, because the job came without one: no earlier job can have it, so
     * there is nothing to look up before it is queued.
     */
    public boolean hasNewId() {
        return newId;
    }

    public void markNewId() {
        this.newId = true;
    }

    public void markDuplicate(String existingStatus) {
        this.duplicate = true;
        this.duplicateOf = existingStatus;
    }

    /** What the SMTP server said to each message sent for this job in this attempt. */
    public List<Object> getPartResults() {
        return partResults;
    }

    public void addPartResult(Object result) {
        partResults.add(result);
    }

    /** Recipients an SMTP server accepted in earlier attempts (known since admission). */
    public List<String> getAlreadySentTo() {
        return alreadySentTo;
    }

    public void setAlreadySentTo(List<String> alreadySentTo) {
        this.alreadySentTo = alreadySentTo == null ? List.of() : List.copyOf(alreadySentTo);
    }

    /**
     * When the job store first recorded this job (its created_at, the same on every attempt and every relay);
     * null until the delivery route admitted it.
     */
    public Instant getAdmittedAt() {
        return admittedAt;
    }

    public void setAdmittedAt(Instant admittedAt) {
        this.admittedAt = admittedAt;
    }

    /** How many messages this attempt sends (more than one when the recipients are split). */
    public int getMessageCount() {
        return messageCount;
    }

    public void setMessageCount(int messageCount) {
        this.messageCount = messageCount;
    }

    /**
     * The broker's id of the message this attempt was taken from (its JMSMessageID): what the attempt sends on
     * (a retry, a dead letter) carries it as its duplicate-detection id, so that the same attempt's message is
     * never queued twice, even across a broker failover.
     */
    public String getDeliveryId() {
        return deliveryId;
    }

    public void setDeliveryId(String deliveryId) {
        this.deliveryId = deliveryId;
    }

    /** Recipients left out of this attempt because they are on the suppression list. */
    public List<SuppressedRecipient> getSuppressed() {
        return suppressed;
    }

    public void setSuppressed(List<SuppressedRecipient> suppressed) {
        this.suppressed = suppressed == null ? List.of() : List.copyOf(suppressed);
    }

    /** Suppressed recipients this job had not been reported for before (one suppressed event per recipient). */
    public boolean hasNewlySuppressed() {
        return suppressed.stream().anyMatch(SuppressedRecipient::firstTime);
    }

    /** Recipients taken from the daily budget for the message being sent, not yet confirmed or given back. */
    public int getReservedRecipients() {
        return reservedRecipients;
    }

    public void setReservedRecipients(int reservedRecipients) {
        this.reservedRecipients = reservedRecipients;
    }

    /**
     * The envelope recipients (To, Cc and Bcc) in lower case, once the job was read ({@code validate}); empty
     * before, or when an address cannot be read (validation reports it).
     */
    public List<String> envelopeRecipients() {
        List<String> out = new java.util.ArrayList<>();
        try {
            if (rawMessage != null) {
                rawMessage.recipients().forEach(a -> out.add(a.getAddress().toLowerCase(java.util.Locale.ROOT)));
            } else if (mailJob != null) {
                for (List<String> field : List.of(mailJob.to(), mailJob.cc(), mailJob.bcc())) {
                    for (String value : field) {
                        Addresses.parseList(value).forEach(a -> out.add(a.getAddress().toLowerCase(java.util.Locale.ROOT)));
                    }
                }
            }
        } catch (jakarta.mail.internet.AddressException e) {
            return List.of();
        }
        return out.stream().distinct().toList();
    }

    /** The subject as submitted (a template's job: "template NAME" until it is rendered), for search. */
    public String subjectLine() {
        if (rawMessage != null) {
            return rawMessage.subject();
        }
        if (mailJob != null) {
            return mailJob.subject() != null ? mailJob.subject()
                    : mailJob.template() != null ? "(template " + mailJob.template() + ")" : null;
        }
        return null;
    }

    /** The From address as submitted (null: the account's), for search. */
    public String fromAddress() {
        try {
            if (rawMessage != null && rawMessage.from() != null) {
                return rawMessage.from().getAddress().toLowerCase(java.util.Locale.ROOT);
            }
            if (mailJob != null && mailJob.from() != null) {
                return Addresses.parseOne(mailJob.from()).getAddress().toLowerCase(java.util.Locale.ROOT);
            }
        } catch (jakarta.mail.internet.AddressException e) {
            return null;
        }
        return null;
    }

    /** What makes the job invalid before its content is even read (see delivery/JobReader): never sent. */
    public List<FieldError> getProblems() {
        return problems;
    }

    public void setProblems(List<FieldError> problems) {
        this.problems = problems == null ? List.of() : List.copyOf(problems);
    }

    @Override
    public String toString() {
        return "job " + id + " (" + channel.id() + (outboxFile != null ? " " + outboxFile : "") + ", attempt "
                + getAttempt() + ")";
    }
}
