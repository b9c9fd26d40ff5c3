package org.outboxrelay.job;

import java.util.List;
import java.util.Map;

/**
 * A mail job as the contract defines it (see schema/mail-job.schema.json). Recipients are already split
 * into single addresses; everything else is as the sender gave it.
 */
public record MailJob(
        String id,
        String from,
        String replyTo,
        List<String> to,
        List<String> cc,
        List<String> bcc,
        String subject,
        String text,
        String html,
        String template,
        String locale,
        Map<String, Object> model,
        List<Attachment> attachments,
        Map<String, String> headers,
        Unsubscribe unsubscribe) {

    /**
     * {@code "unsubscribe": {"list": "newsletter"}}: the job goes to a list its recipients can leave with one click
     * (RFC 8058). Each recipient then gets a message of its own with its own List-Unsubscribe link, and nobody who
     * left that list (or is suppressed for every list) is sent it.
     */
    public record Unsubscribe(String list) {
    }

    /** A job without one-click unsubscribe. */
    public MailJob(String id, String from, String replyTo, List<String> to, List<String> cc, List<String> bcc,
            String subject, String text, String html, String template, String locale, Map<String, Object> model,
            List<Attachment> attachments, Map<String, String> headers) {
        this(id, from, replyTo, to, cc, bcc, subject, text, html, template, locale, model, attachments, headers, null);
    }

    public MailJob {
        to = to == null ? List.of() : List.copyOf(to);
        cc = cc == null ? List.of() : List.copyOf(cc);
        bcc = bcc == null ? List.of() : List.copyOf(bcc);
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        model = model == null ? Map.of() : model;
    }

    public int recipientCount() {
        return to.size() + cc.size() + bcc.size();
    }

    /** The same job with the rendered subject and bodies of its template. */
    public MailJob withContent(String subject, String text, String html) {
        return new MailJob(id, from, replyTo, to, cc, bcc, subject, text, html, template, locale, model,
                attachments, headers, unsubscribe);
    }

    /** The same job for fewer recipients (the suppressed ones left out). */
    public MailJob withRecipients(List<String> to, List<String> cc, List<String> bcc) {
        return new MailJob(id, from, replyTo, to, cc, bcc, subject, text, html, template, locale, model,
                attachments, headers, unsubscribe);
    }

    /** The same job asking for one-click unsubscribe from this list (a template's own list). */
    public MailJob withUnsubscribe(Unsubscribe list) {
        return new MailJob(id, from, replyTo, to, cc, bcc, subject, text, html, template, locale, model,
                attachments, headers, list);
    }

    /** The list of the job, or null when it asks for no one-click unsubscribe. */
    public String unsubscribeList() {
        return unsubscribe == null ? null : unsubscribe.list();
    }
}
