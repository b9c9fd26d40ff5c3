package org.outboxrelay.job;

/**
 * A file to attach: its bytes come either from {@code contentBase64} or from {@code path}
 * (relative to relay.attachments.dir). Inline parts are referenced from the HTML as {@code cid:contentId}.
 */
public record Attachment(String filename, String contentType, String contentBase64, String path,
        boolean inline, String contentId) {
}
