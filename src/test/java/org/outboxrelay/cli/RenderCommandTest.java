package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code render} as the jar runs it (RelayCli, in the project folder: the shipped config and templates):
 * what it writes, and how it fails.
 */
class RenderCommandTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int render(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "render";
        System.arraycopy(args, 0, all, 1, args.length);
        return RelayCli.execute(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path model(String json) throws Exception {
        return Files.writeString(tmp.resolve("model.json"), json);
    }

    @Test
    void writesSubjectTextHtmlAndTheWholeMessage() throws Exception {
        Path model = model("{\"name\": \"Jana <b>\", \"loginUrl\": \"https://shop.example.com/login\"}");
        Path dir = tmp.resolve("preview");
        assertEquals(0, render("--template", "welcome", "--model", model.toString(), "--locale", "de-CH",
                "--out", dir.toString()), err.toString());

        assertEquals("Willkommen bei Example Shop, Jana <b>!\n", Files.readString(dir.resolve("subject.txt")));
        assertTrue(Files.readString(dir.resolve("text.txt")).startsWith("Hallo Jana <b>\n"));
        String html = Files.readString(dir.resolve("html.html"));
        assertTrue(html.contains("<h1 style=\"font-size:22px;\">Hallo Jana &lt;b&gt;</h1>"), html);
        try (InputStream in = Files.newInputStream(dir.resolve("message.eml"))) {
            MimeMessage eml = new MimeMessage(Session.getInstance(new Properties()), in);
            assertEquals("Willkommen bei Example Shop, Jana <b>!", eml.getSubject());
            assertEquals("recipient@example.invalid", eml.getHeader("To", ","));
            assertTrue(eml.isMimeType("multipart/alternative"));
            assertEquals(html, ((Multipart) eml.getContent()).getBodyPart(1).getContent());
        }
        assertTrue(out.toString().contains("Rendered template welcome (locale de-CH) into " + dir
                + ": subject.txt, text.txt, html.html, message.eml\n"), out.toString());
    }

    @Test
    void withOnlyHtmlTheTextIsDerivedAndSaysSo() throws Exception {
        Path model = model("{\"name\": \"Jane\", \"resetUrl\": \"https://x.example/r\", \"validHours\": 2}");
        Path dir = tmp.resolve("reset");
        assertEquals(0, render("--template", "password-reset", "--model", model.toString(), "--out", dir.toString()));
        assertTrue(Files.readString(dir.resolve("text.txt")).contains("Choose a new password (https://x.example/r)"));
        assertTrue(out.toString().contains("(text derived from the HTML)"), out.toString());
    }

    @Test
    void aTemplateProblemExitsOneWithTheReasonDeliveryGives() throws Exception {
        Path model = model("{\"name\": \"Jane\", \"resetUrl\": \"https://x.example/r\"}");
        Path dir = tmp.resolve("none");
        assertEquals(1, render("--template", "password-reset", "--model", model.toString(), "--out", dir.toString()));
        assertEquals("outbox-relay: template password-reset: templates/password-reset/html.ftlh, line 6, column 48:"
                + " the model has no value for validHours (give it in the model, or a default in the template:"
                + " ${validHours!\"...\"})\n", err.toString());
        assertFalse(Files.exists(dir), "nothing written");

        err.reset();
        assertEquals(1, render("--template", "nope", "--model", model.toString()));
        assertEquals("outbox-relay: template nope: no such template, the folder templates/nope/ does not exist\n",
                err.toString());
    }

    @Test
    void theTemplatesFolderComesFromTheSettings() throws Exception {
        Files.createDirectories(tmp.resolve("templates/broken"));
        Files.writeString(tmp.resolve("templates/broken/subject.ftl"), "Hi ${name");
        String key = "relay.templates.dir";
        System.setProperty(key, tmp.resolve("templates").toString());
        try {
            assertEquals(1, render("--template", "broken", "--model", model("{}").toString()));
        } finally {
            System.clearProperty(key);
        }
        assertTrue(err.toString().startsWith("outbox-relay: template broken: " + tmp.resolve("templates/broken/subject.ftl")
                + ", line 1, column 9: syntax error: Unexpected end of file reached. You have an unclosed \"{\"."), err.toString());
    }

    @Test
    void badArgumentsExitTwo() throws Exception {
        Path model = model("{\"name\": \"Jane\"}");
        assertEquals(2, render());
        assertTrue(err.toString().contains("--template and --model are required"), err.toString());
        assertEquals(2, render("--template", "welcome"));
        assertEquals(2, render("--template", "welcome", "--model"));
        assertEquals(2, render("--template", "welcome", "--model", model.toString(), "--colour", "red"));
        assertEquals(2, render("--template", "welcome", "--model", model.toString(), "--locale", "not a locale"));
        assertEquals(2, render("--template", "welcome", "--model", tmp.resolve("missing.json").toString()));
        assertEquals(2, render("--template", "welcome", "--model", model("[1, 2]").toString()));
        assertTrue(err.toString().contains("is not a JSON object"), err.toString());
        assertTrue(err.toString().contains(RenderCommand.usage()), err.toString());
    }
}
