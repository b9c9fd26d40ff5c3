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
    private int messageCount = 1;

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

    /** How many messages this attempt sends (more than one when the recipients are split). */
    public int getMessageCount() {
        return messageCount;
    }

    public void setMessageCount(int messageCount) {
        this.messageCount = messageCount;
    }

    /** Recipients taken from the daily budget for the message being sent, not yet confirmed or given back. */
    public int getReservedRecipients() {
        return reservedRecipients;
    }

    public void setReservedRecipients(int reservedRecipients) {
        this.reservedRecipients = reservedRecipients;
    }

    @Override
    public String toString() {
        return "job " + id + " (" + channel.id() + (outboxFile != null ? " " + outboxFile : "") + ", attempt "
                + getAttempt() + ")";
    }
}
