package org.outboxrelay.console;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A message as the console shows it: headers decoded, text, HTML made safe for the frame, attachments listed. */
class MessageViewTest {

    private static final String MESSAGE = String.join("\r\n",
            "Return-Path: <shop@example.com>",
            "X-Envelope-To: jane@example.com",
            "From: Shop <shop@example.com>",
            "To: =?UTF-8?Q?J=C3=A4ne?= <jane@example.com>",
            "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
            "Message-ID: <m1.relay@example.com>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=outer",
            "",
            "--outer",
            "Content-Type: multipart/related; boundary=rel",
            "",
            "--rel",
            "Content-Type: multipart/alternative; boundary=alt",
            "",
            "--alt",
            "Content-Type: text/plain; charset=UTF-8",
            "",
            "Hello Jane",
            "--alt",
            "Content-Type: text/html; charset=UTF-8",
            "",
            "<html><body onload=\"steal()\"><p>Hello <b>Jane</b></p><img src=\"cid:logo@x\"><img src=\"https://t.example/o.gif\">"
                    + "<script>steal()</script><iframe src=\"https://evil.example\"></iframe><a href=\"javascript:steal()\">x</a>"
                    + "<form action=\"https://evil.example\"><input></form></body></html>",
            "--alt--",
            "--rel",
            "Content-Type: image/png",
            "Content-ID: <logo@x>",
            "Content-Transfer-Encoding: base64",
            "",
            "iVBORw0KGgo=",
            "--rel--",
            "--outer",
            "Content-Type: application/pdf; name=\"report.pdf\"",
            "Content-Disposition: attachment; filename=\"report.pdf\"",
            "Content-Transfer-Encoding: base64",
            "",
            "JVBERi0xLjQ=",
            "--outer--",
            "");

    @Test
    void showsHeadersTextAndAttachments() {
        MessageView.View v = MessageView.of(MESSAGE.getBytes(StandardCharsets.UTF_8)).view();
        assertEquals("Grüße", v.subject());
        assertEquals("Jäne <jane@example.com>", v.to());
        assertEquals("<m1.relay@example.com>", v.messageId());
        assertEquals("Hello Jane", v.text().trim());
        assertTrue(v.hasHtml());
        assertEquals(1, v.remoteImages());
        assertEquals(List.of("Return-Path", "X-Envelope-To", "From", "To", "Subject", "Message-ID", "MIME-Version",
                "Content-Type"), v.headers().stream().map(MessageView.HeaderLine::name).toList());
        assertEquals(2, v.attachments().size());
        MessageView.Attachment logo = v.attachments().get(0);
        assertEquals("image/png", logo.contentType());
        assertTrue(logo.inline());
        MessageView.Attachment pdf = v.attachments().get(1);
        assertEquals("report.pdf", pdf.filename());
        assertEquals("application/pdf", pdf.contentType());
        assertFalse(pdf.inline());
        assertArrayEquals("%PDF-1.4".getBytes(StandardCharsets.US_ASCII),
                MessageView.of(MESSAGE.getBytes(StandardCharsets.UTF_8)).part(pdf.part()).bytes());
    }

    @Test
    void theHtmlKeepsNothingActiveAndShowsInlineImages() {
        String html = MessageView.of(MESSAGE.getBytes(StandardCharsets.UTF_8)).html();
        assertTrue(html.contains("<p>Hello <b>Jane</b></p>"), html);
        assertTrue(html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""), html);
        assertTrue(html.contains("https://t.example/o.gif"), "left to the frame's policy, which blocks it");
        for (String gone : new String[] {"<script", "steal()", "<iframe", "<form", "onload", "javascript:"}) {
            assertFalse(html.contains(gone), gone + " in " + html);
        }
    }

    @Test
    void aPlainMessageHasNoHtmlAndABrokenOneSaysSo() {
        MessageView plain = MessageView.of("Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
        assertNull(plain.html());
        assertEquals("body", plain.view().text().trim());
        assertThrows(IllegalArgumentException.class, () -> plain.part(5));
    }
}
