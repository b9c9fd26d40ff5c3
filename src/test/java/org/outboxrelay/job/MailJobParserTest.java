package org.outboxrelay.job;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MailJobParserTest {

    private final MailJobParser parser = new MailJobParser();

    private MailJob parse(String json) throws InvalidJobException {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> errors(String json) {
        InvalidJobException e = assertThrows(InvalidJobException.class, () -> parse(json));
        return e.errors().stream().map(FieldError::toString).toList();
    }

    @Test
    void aJobsOwnIdIsANonEmptyStringAtTheTopOfValidJson() {
        assertEquals("a-1", MailJobParser.ownId(MailJobParser.treeOrNull(bytes("{\"id\": \"a-1\", \"to\": \"x@y.z\"}"))));
        assertNull(MailJobParser.ownId(MailJobParser.treeOrNull(bytes("{\"id\": 7}"))), "not a string");
        assertNull(MailJobParser.ownId(MailJobParser.treeOrNull(bytes("{\"id\": \"\"}"))), "empty");
        assertNull(MailJobParser.ownId(MailJobParser.treeOrNull(bytes("[{\"id\": \"a\"}]"))), "not an object");
        assertNull(MailJobParser.treeOrNull(bytes("{\"id\": \"a\", \"id\": \"b\"}")), "a duplicate key is no job");
        assertNull(MailJobParser.treeOrNull(bytes("{\"id\": \"a\"} trailing")), "nor are trailing tokens");
        assertNull(MailJobParser.treeOrNull(new byte[] {'{', (byte) 0xC3, '}'}), "nor is text that is not UTF-8");
        assertNull(MailJobParser.treeOrNull(new byte[0]));
        assertNull(MailJobParser.ownId(null));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fullJob() throws Exception {
        MailJob j = parse("""
                {"id": "k1", "from": "Shop <shop@example.com>", "replyTo": "help@example.com",
                 "to": ["a@example.com", "\\"Doe, Jane\\" <jane@example.com>"], "cc": "c1@example.com, c2@example.com",
                 "bcc": [], "subject": "Hi", "text": "t", "html": "<b>h</b>", "locale": "en-GB",
                 "model": {"n": 1, "list": [1, 2]},
                 "attachments": [{"filename": "a.txt", "contentType": "text/plain", "contentBase64": "aGk="}],
                 "headers": {"X-Campaign": "c"}}""");
        assertEquals("k1", j.id());
        assertEquals(List.of("a@example.com", "\"Doe, Jane\" <jane@example.com>"), j.to());
        assertEquals(List.of("c1@example.com, c2@example.com"), j.cc());
        assertEquals(1, j.model().get("n"));
        assertEquals("a.txt", j.attachments().get(0).filename());
        assertEquals("c", j.headers().get("X-Campaign"));
    }

    @Test
    void templateJobNeedsNoSubjectOrBody() throws Exception {
        MailJob j = parse("{\"to\": \"a@example.com\", \"template\": \"welcome\", \"model\": {\"name\": \"Ann\"}}");
        assertEquals("welcome", j.template());
    }

    @Test
    void everyProblemIsNamedByItsField() {
        List<String> e = errors("{\"to\": \"a@example.com\", \"cc\": [\"bad\"], \"subject\": 5, \"text\": \"t\","
                + " \"extra\": 1}");
        assertTrue(e.contains("extra: is not a known field"), e.toString());
        assertTrue(e.stream().anyMatch(s -> s.startsWith("subject: ")), e.toString());
    }

    @Test
    void missingPieces() {
        assertTrue(errors("{\"subject\": \"s\", \"text\": \"t\"}").contains(
                "to: at least one recipient is required (to, cc or bcc)"));
        assertTrue(errors("{\"to\": \"a@example.com\", \"text\": \"t\"}").contains(
                "subject: is required unless a template gives it"));
        assertTrue(errors("{\"to\": \"a@example.com\", \"subject\": \"s\"}").contains(
                "text: a body is required: text, html, or a template"));
    }

    @Test
    void headerInjectionIsRefusedEverywhere() {
        assertTrue(errors("{\"to\": \"a@example.com\", \"subject\": \"a\\r\\nBcc: x@y.z\", \"text\": \"t\"}")
                .contains("subject: must not contain a line break (header injection)"));
        assertTrue(errors("{\"to\": [\"a@example.com\\nBcc: x@y.z\"], \"subject\": \"s\", \"text\": \"t\"}")
                .contains("to[0]: must not contain a line break (header injection)"));
        assertTrue(errors("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"headers\": {\"X-A\": \"v\\nBcc: x@y.z\"}}")
                .contains("headers.X-A: must not contain a line break (header injection)"));
    }

    @Test
    void addressesAreParsedStrictly() {
        List<String> e = errors("{\"to\": [\"ok@example.com\", \"no-at-sign\", \"two@@example.com\"],"
                + " \"from\": \"x\", \"subject\": \"s\", \"text\": \"t\"}");
        assertTrue(e.stream().anyMatch(s -> s.startsWith("to[1]: \"no-at-sign\" is not a valid address")), e.toString());
        assertTrue(e.stream().anyMatch(s -> s.startsWith("to[2]:")), e.toString());
        assertTrue(e.stream().anyMatch(s -> s.startsWith("from:")), e.toString());
    }

    @Test
    void reservedHeadersAndBadAttachments() {
        List<String> e = errors("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"headers\": {\"Message-ID\": \"<x@y>\"},"
                + " \"attachments\": [{\"filename\": \"a\", \"contentBase64\": \"%%%\"},"
                + " {\"filename\": \"b\"}, {\"filename\": \"c\", \"contentBase64\": \"aGk=\", \"path\": \"c.txt\"}]}");
        assertTrue(e.contains("headers.Message-ID: is set by the relay and cannot be given here"), e.toString());
        assertTrue(e.contains("attachments[1]: needs exactly one of contentBase64 or path"), e.toString());
        assertTrue(e.contains("attachments[2]: needs exactly one of contentBase64 or path"), e.toString());
    }

    @Test
    void badBase64IsFoundAfterTheSchema() {
        List<String> e = errors("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"attachments\": [{\"filename\": \"a\", \"contentBase64\": \"not base64!\"}]}");
        assertEquals(List.of("attachments[0].contentBase64: is not valid base64"), e);
    }

    @Test
    void notJsonAtAll() {
        assertTrue(errors("{\"to\": ").get(0).startsWith("(job): malformed JSON at line 1"));
        assertEquals(List.of("(job): must be a JSON object, found array"), errors("[1, 2]"));
        assertEquals(List.of("(job): is empty"), errors(""));
        InvalidJobException e = assertThrows(InvalidJobException.class,
                () -> parser.parse(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}));
        assertEquals("(job): is not UTF-8 text (binary data?)", e.getMessage());
        assertTrue(errors("{\"to\": \"a@example.com\", \"to\": \"b@example.com\", \"subject\": \"s\", \"text\": \"t\"}")
                .get(0).contains("Duplicate field 'to'"));
    }

    @Test
    void idIsLimited() {
        assertTrue(errors("{\"id\": \"" + "x".repeat(129) + "\", \"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}")
                .contains("id: must be at most 128 characters long"));
    }

    @Test
    void unsubscribeNamesAListAndLeavesTheListHeadersToTheRelay() throws Exception {
        MailJob j = parse("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"unsubscribe\": {\"list\": \"newsletter\"}}");
        assertEquals("newsletter", j.unsubscribeList());
        assertEquals(null, parse("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}")
                .unsubscribeList());
        assertTrue(errors("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"unsubscribe\": {\"list\": \"bad list!\"}}").toString().contains("unsubscribe.list"));
        assertTrue(errors("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"unsubscribe\": {}}").toString().contains("unsubscribe"));
        List<String> conflict = errors("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"unsubscribe\": {\"list\": \"news\"}, \"headers\": {\"List-Unsubscribe\": \"<https://x>\"}}");
        assertTrue(conflict.toString().contains("headers.List-Unsubscribe"), conflict.toString());
        // without "unsubscribe" a job may bring its own list headers
        assertEquals("<https://x>", parse("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                + " \"headers\": {\"List-Unsubscribe\": \"<https://x>\"}}").headers().get("List-Unsubscribe"));
    }

    @Test
    void attachmentPathsThatCannotBeInsideTheFolderAreRefusedAtOnce() {
        String job = "{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\", \"attachments\": [%s]}";
        assertEquals(List.of("attachments[0].path: must be relative to relay.attachments.dir, not absolute"),
                errors(job.formatted("{\"filename\": \"p\", \"path\": \"/etc/passwd\"}")));
        assertEquals(List.of("attachments[0].path: leaves relay.attachments.dir"),
                errors(job.formatted("{\"filename\": \"p\", \"path\": \"a/../../etc/passwd\"}")));
        assertDoesNotThrow(() -> parse(job.formatted("{\"filename\": \"p\", \"path\": \"reports/../a.pdf\"}")));
    }

    @Test
    void reasonsAreOneSafeLineAndNameTheFirstTwentyProblems() {
        InvalidJobException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidJobException.class,
                () -> parse("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\","
                        + " \"headers\": {\"X-A: b\\r\\nBcc\": \"x\"}}"));
        assertFalse(e.getMessage().contains("\r") || e.getMessage().contains("\n"), e.getMessage());
        assertEquals("headers: a header name must be 1 to 76 printable ASCII characters, without spaces or ':'"
                + " (header injection)", e.getMessage());
        assertEquals("a\\r\\nb", new FieldError("x", "a\r\nb").message());

        StringBuilder to = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            to.append(i == 0 ? "" : ", ").append("\"bad ").append(i).append('"');
        }
        InvalidJobException many = org.junit.jupiter.api.Assertions.assertThrows(InvalidJobException.class,
                () -> parse("{\"to\": [" + to + "], \"subject\": \"s\", \"text\": \"t\"}"));
        assertEquals(300, many.errors().size());
        assertTrue(many.getMessage().endsWith("; and 280 more problem(s)"), many.getMessage());
        assertTrue(many.getMessage().length() < 4000, "fits the job store: " + many.getMessage().length());
    }
}
