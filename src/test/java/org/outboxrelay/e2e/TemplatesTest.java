package org.outboxrelay.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.jms.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jobs that name a template, through the real routes: rendered from a copy of the shipped templates/ with
 * inline image and attachments, localized, escaped; each template problem a permanent failure with its reason;
 * an edit picked up without a restart.
 */
class TemplatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Path templates;
    Path files;
    TestSmtpServer smtp;
    TestRelay relay;

    @BeforeEach
    void start() throws Exception {
        templates = copyShippedTemplates(home.resolve("templates"));
        files = Files.createDirectories(home.resolve("files"));
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp)
                .with("relay.templates.dir", templates.toString())
                .with("relay.templates.update-delay", "0ms")
                .with("relay.attachments.dir", files.toString());
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smtp.close();
    }

    @Test
    void templatedJobArrivesRenderedWithItsInlineImageAndAttachments() throws Exception {
        relay.with("relay.smtp.from", "Bücher & Co <relay@example.com>").start();
        byte[] logo = bytes(700, 3);
        byte[] pdf = bytes(5000, 7);
        Files.createDirectories(files.resolve("reports"));
        Files.write(files.resolve("reports/Übersicht März.pdf"), pdf);
        relay.drop("welcome.json", """
                {"id": "welcome-1", "template": "welcome", "locale": "de-CH",
                 "to": "Jürgen Müller <juergen@bücher.example>",
                 "model": {"name": "Jürgen <b>&</b>", "loginUrl": "https://shop.example.com/login?a=1&b=2",
                           "logo": "logo"},
                 "attachments": [
                   {"filename": "logo.png", "contentType": "image/png", "contentBase64": "%s",
                    "inline": true, "contentId": "logo"},
                   {"filename": "Übersicht März.pdf", "contentType": "application/pdf",
                    "path": "reports/Übersicht März.pdf"},
                   {"filename": "Grüße.txt", "contentBase64": "%s"}]}
                """.formatted(b64(logo), b64("Viele Grüße\n".getBytes(StandardCharsets.UTF_8))));

        ReceivedMessage m = smtp.awaitMessage();
        assertEquals(List.of("juergen@xn--bcher-kva.example"), m.recipients());
        // German (de-CH falls back to the _de files), with non-ASCII headers RFC 2047 encoded
        assertEquals("Willkommen bei Example Shop, Jürgen <b>&</b>!", m.subject());
        assertTrue(m.text().contains("\r\nSubject: =?UTF-8?"), "encoded subject");
        InternetAddress to = (InternetAddress) m.mime().getRecipients(jakarta.mail.Message.RecipientType.TO)[0];
        assertEquals("Jürgen Müller", to.getPersonal());
        assertEquals("Bücher & Co", ((InternetAddress) m.mime().getFrom()[0]).getPersonal());
        assertTrue(m.header("To").startsWith("=?UTF-8?"), m.header("To"));

        String text = m.part("text/plain");
        assertTrue(text.startsWith("Hallo Jürgen <b>&</b>\r\n") || text.startsWith("Hallo Jürgen <b>&</b>\n"), text);
        assertTrue(text.contains("https://shop.example.com/login?a=1&b=2"), text);
        assertTrue(text.contains("Marktgasse 1"), "localized signature: " + text);
        String html = m.part("text/html");
        assertTrue(html.contains("<h1 style=\"font-size:22px;\">Hallo Jürgen &lt;b&gt;&amp;&lt;/b&gt;</h1>"), html);
        assertFalse(html.contains("<b>&"), "model values cannot inject markup: " + html);
        assertTrue(html.contains("<img src=\"cid:logo\""), html);
        assertTrue(html.contains("Sie erhalten diese Mail"), "localized layout part: " + html);

        // mixed [ alternative [ text, related [ html, logo ] ], pdf, txt ]
        Multipart mixed = (Multipart) m.mime().getContent();
        assertTrue(m.mime().isMimeType("multipart/mixed"));
        assertEquals(3, mixed.getCount());
        Multipart alternative = (Multipart) mixed.getBodyPart(0).getContent();
        assertTrue(mixed.getBodyPart(0).isMimeType("multipart/alternative"));
        assertTrue(alternative.getBodyPart(0).isMimeType("text/plain"));
        assertTrue(alternative.getBodyPart(1).isMimeType("multipart/related"));
        Part inline = m.partWithContentId("logo");
        assertEquals(Part.INLINE, inline.getDisposition());
        assertTrue(inline.isMimeType("image/png"));
        assertArrayEquals(logo, inline.getInputStream().readAllBytes());
        assertArrayEquals(pdf, m.attachment("Übersicht März.pdf"));
        assertArrayEquals("Viele Grüße\n".getBytes(StandardCharsets.UTF_8), m.attachment("Grüße.txt"));
        assertTrue(m.text().contains("filename*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz.pdf"), "RFC 2231 file name");

        relay.awaitFile("sent", "welcome.json");
        relay.awaitEvent(TestRelay.status("welcome-1", "sent"));
    }

    @Test
    void everyTemplateProblemFailsTheJobPermanentlyWithItsReason() throws Exception {
        write("broken/subject.ftl", "Broken");
        write("broken/html.ftlh", "<p>Hello</p>\n<#if name>\n<p>${name}</p>\n");
        relay.start();
        Map<String, String> jobs = new HashMap<>();
        jobs.put("no-template", """
                {"to": "a@example.com", "template": "no-such-template", "model": {}}""");
        jobs.put("missing-value", """
                {"to": "a@example.com", "template": "welcome", "model": {"name": "Jane"}}""");
        jobs.put("null-value", """
                {"to": "a@example.com", "template": "password-reset", "locale": "en-GB",
                 "model": {"name": null, "resetUrl": "https://x.example/r", "validHours": 2}}""");
        jobs.put("syntax-error", """
                {"to": "a@example.com", "template": "broken", "model": {"name": "Jane"}}""");
        jobs.put("attachment-outside", """
                {"to": "a@example.com", "template": "password-reset",
                 "model": {"name": "Jane", "resetUrl": "https://x.example/r", "validHours": 2},
                 "attachments": [{"filename": "passwd", "path": "../../etc/passwd"}]}""");
        for (Map.Entry<String, String> job : jobs.entrySet()) {
            relay.sendJson(job.getValue(), Map.of("jobId", job.getKey()));
        }
        relay.drop("missing-value.json", jobs.get("missing-value").replace("{\"to\"", "{\"id\": \"outbox-missing\", \"to\""));
        relay.sendJson("""
                {"to": "a@example.com", "template": "password-reset",
                 "model": {"name": "Jane", "resetUrl": "https://x.example/reset?t=1", "validHours": 2}}""",
                Map.of("jobId", "good"));

        Map<String, String> reasons = new HashMap<>();
        for (String id : jobs.keySet()) {
            reasons.put(id, relay.awaitEvent(TestRelay.status(id, "failed")).path("reason").asText());
        }
        assertEquals("template no-such-template: no such template, the folder " + templates.resolve("no-such-template")
                + "/ does not exist", reasons.get("no-template"));
        assertEquals("template welcome: " + templates.resolve("welcome/html.ftlh") + ", line 5, column 15: the model"
                + " has no value for loginUrl (give it in the model, or a default in the template:"
                + " ${loginUrl!\"...\"})", reasons.get("missing-value"));
        assertEquals("template password-reset: " + templates.resolve("password-reset/html.ftlh") + ", line 4,"
                + " column 12: the model has no value for name (give it in the model, or a default in the"
                + " template: ${name!\"...\"})", reasons.get("null-value"));
        assertTrue(reasons.get("syntax-error").startsWith("template broken: " + templates.resolve("broken/html.ftlh")
                + ", line 3, column 15: syntax error: Unexpected end of file reached. You have an unclosed #if."),
                reasons.get("syntax-error"));
        assertEquals("invalid job: attachments[0].path: leaves relay.attachments.dir", reasons.get("attachment-outside"));

        // on mail.dead with the same reasons; nothing but the good job was sent
        ReceivedMessage good = smtp.awaitMessage();
        assertEquals("Reset your Example Shop password", good.subject());
        assertTrue(good.part("text/plain").contains("Choose a new password (https://x.example/reset?t=1)"),
                "text derived from the HTML: " + good.part("text/plain"));
        relay.awaitEvent(TestRelay.status("outbox-missing", "failed"));
        List<Message> dead = relay.deadLetters();
        for (String id : jobs.keySet()) {
            Message m = dead.stream().filter(d -> id.equals(TestRelay.jobId(d))).findFirst().orElseThrow();
            assertEquals(reasons.get(id), m.getStringProperty("failureReason"));
        }
        relay.awaitFile("failed", "missing-value.json.error.json");
        JsonNode report = JSON.readTree(relay.read("failed", "missing-value.json.error.json"));
        assertEquals(reasons.get("missing-value"), report.path("reason").asText());
        assertEquals(1, smtp.messages().size());
        assertEquals(1, relay.record("no-template").attempts(), "never retried");
    }

    @Test
    void aTemplateFolderLinkedOutOfTheTemplatesFolderFailsPermanentlyTheFirstTime() throws Exception {
        Path outside = Files.createDirectories(home.resolve("elsewhere"));
        Files.writeString(outside.resolve("subject.ftl"), "Hello");
        Files.writeString(outside.resolve("text.ftl"), "from outside the templates folder");
        Files.createSymbolicLink(templates.resolve("linked"), outside);
        relay.start();
        relay.sendJson("{\"to\": \"a@example.com\", \"template\": \"linked\", \"model\": {}}",
                Map.of("jobId", "linked-1"));

        JsonNode failed = relay.awaitEvent(TestRelay.status("linked-1", "failed"));
        assertEquals(1, failed.path("attempt").asInt(), failed.toString());
        assertTrue(failed.path("reason").asText().startsWith("template linked: the folder "
                + templates.resolve("linked") + "/ leads outside "), failed.toString());
        assertTrue(relay.eventsFor("linked-1").stream().noneMatch(e -> "deferred".equals(e.path("status").asText())),
                relay.eventsFor("linked-1").toString());
        assertEquals(0, smtp.messages().size());
    }

    @Test
    void anEditAndANewLocaleVariantTakeEffectWithoutARestart() throws Exception {
        relay.start();
        String job = """
                {"to": "a@example.com", "template": "welcome", "locale": "%s",
                 "model": {"name": "Jeanne", "loginUrl": "https://shop.example.com/login"}}""";
        relay.sendJson(job.formatted("fr-CA"), Map.of("jobId", "before-edit"));
        assertEquals("Welcome to Example Shop, Jeanne!", smtp.awaitMessage().subject(), "no French files: base");

        Path subject = write("welcome/subject.ftl", "Welcome aboard, ${name}!");
        // an editor's save moves the modification time on; make sure it differs from the first save's
        Files.setLastModifiedTime(subject, FileTime.fromMillis(System.currentTimeMillis() + 2000));
        write("welcome/subject_fr.ftl", "Bienvenue chez Example Shop, ${name} !");
        relay.sendJson(job.formatted("en-GB"), Map.of("jobId", "edited"));
        relay.sendJson(job.formatted("fr_CA"), Map.of("jobId", "new-variant"));

        List<ReceivedMessage> all = smtp.awaitMessages(3, java.time.Duration.ofSeconds(20));
        List<String> subjects = all.subList(1, 3).stream().map(ReceivedMessage::subject).sorted().toList();
        assertEquals(List.of("Bienvenue chez Example Shop, Jeanne !", "Welcome aboard, Jeanne!"), subjects);
    }

    private Path write(String name, String content) throws Exception {
        Path file = templates.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    static Path copyShippedTemplates(Path target) throws Exception {
        Path source = Path.of("templates");
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : all.toList()) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return target;
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * seed + 11);
        }
        return b;
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
