package org.outboxrelay.template;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.job.MailJob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemplateRendererTest {

    /** The example templates shipped in templates/. */
    private static final TemplateRenderer SHIPPED = new TemplateRenderer(Path.of("templates"), Duration.ofSeconds(5));

    @TempDir
    Path dir;

    private static MailJob job(String template, String locale, Map<String, Object> model) {
        return new MailJob(null, null, null, List.of("jane@example.com"), null, null, null, null, null, template,
                locale, model, null, null);
    }

    private static Map<String, Object> welcome(String name) {
        return Map.of("name", name, "loginUrl", "https://shop.example.com/login?a=1&b=2");
    }

    @Test
    void rendersSubjectTextAndHtmlWithTheSharedLayout() throws Exception {
        MailJob mail = SHIPPED.complete(job("welcome", null, welcome("Jane")));
        assertEquals("Welcome to Example Shop, Jane!", mail.subject());
        assertTrue(mail.text().startsWith("Hello Jane,\n"), mail.text());
        assertTrue(mail.text().contains("\nhttps://shop.example.com/login?a=1&b=2\n"), mail.text());
        assertTrue(mail.text().contains("1 Market Street"), "the shared signature: " + mail.text());
        assertTrue(mail.html().contains("<h1 style=\"font-size:22px;\">Hello Jane,</h1>"), mail.html());
        assertTrue(mail.html().contains("href=\"https://shop.example.com/login?a=1&amp;b=2\""), mail.html());
        assertTrue(mail.html().contains("<title>Welcome to Example Shop</title>"), "the layout: " + mail.html());
        assertTrue(mail.html().contains("You receive this mail"), "the layout's footer: " + mail.html());
        assertEquals("welcome", mail.template());
        assertEquals(List.of("jane@example.com"), mail.to());
    }

    @Test
    void modelValuesCannotInjectHtml() throws Exception {
        MailJob mail = SHIPPED.complete(job("welcome", null, welcome("<script>alert('x')</script><b>Jane</b> & Co")));
        assertFalse(mail.html().contains("<script>"), mail.html());
        assertFalse(mail.html().contains("<b>Jane"), mail.html());
        assertTrue(mail.html().contains("Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;b&gt;Jane&lt;/b&gt; &amp; Co,"),
                mail.html());
        // plain text and the subject are not HTML: the value stays as it is
        assertTrue(mail.text().startsWith("Hello <script>alert('x')</script><b>Jane</b> & Co,"), mail.text());
        assertEquals("Welcome to Example Shop, <script>alert('x')</script><b>Jane</b> & Co!", mail.subject());
    }

    @Test
    void localeVariantsFallBackFromCountryToLanguageToTheBaseFiles() throws Exception {
        for (String locale : List.of("de-CH", "de_CH", "de")) {
            MailJob mail = SHIPPED.complete(job("welcome", locale, welcome("Jana")));
            assertEquals("Willkommen bei Example Shop, Jana!", mail.subject(), locale);
            assertTrue(mail.text().startsWith("Hallo Jana\n"), mail.text());
            assertTrue(mail.text().contains("Marktgasse 1"), "localized include: " + mail.text());
            assertTrue(mail.html().contains("Jetzt anmelden"), mail.html());
            assertTrue(mail.html().contains("Sie erhalten diese Mail"), "localized layout part: " + mail.html());
        }
        MailJob french = SHIPPED.complete(job("welcome", "fr-CA", welcome("Jeanne")));
        assertEquals("Welcome to Example Shop, Jeanne!", french.subject());
        assertTrue(french.html().contains("You receive this mail"), french.html());
    }

    @Test
    void localeTagsMapToFreeMarkerLocales() {
        assertEquals(new Locale("en", "GB"), TemplateRenderer.localeOf("en-GB"));
        assertEquals(new Locale("en", "GB"), TemplateRenderer.localeOf("en_GB"));
        assertEquals(new Locale("en", "GB"), TemplateRenderer.localeOf("en-gb"));
        assertEquals(new Locale("de"), TemplateRenderer.localeOf("de"));
        assertEquals(new Locale("zh", "TW"), TemplateRenderer.localeOf("zh-Hant-TW"));
        assertEquals(Locale.ROOT, TemplateRenderer.localeOf(null));
    }

    @Test
    void withOnlyHtmlTheTextPartIsDerivedFromIt() throws Exception {
        MailJob mail = SHIPPED.complete(job("password-reset", null,
                Map.of("name", "Jane", "resetUrl", "https://shop.example.com/reset?t=abc", "validHours", 24)));
        assertEquals("Reset your Example Shop password", mail.subject());
        assertTrue(mail.html().contains("within 24 hours"), mail.html());
        assertTrue(mail.text().contains("Hello Jane,\n\nsomeone (hopefully you)"), mail.text());
        assertTrue(mail.text().contains("Choose a new password (https://shop.example.com/reset?t=abc)"), mail.text());
        assertFalse(mail.text().contains("<"), mail.text());
        assertFalse(mail.text().contains("The request came from"), "optional value left out: " + mail.text());
    }

    @Test
    void whatTheJobGivesItselfIsKept() throws Exception {
        MailJob given = new MailJob(null, null, null, List.of("jane@example.com"), null, null, "My own subject",
                "my own text", null, "welcome", null, welcome("Jane"), null, null);
        MailJob mail = SHIPPED.complete(given);
        assertEquals("My own subject", mail.subject());
        assertEquals("my own text", mail.text());
        assertTrue(mail.html().contains("Hello Jane,"), mail.html());
    }

    @Test
    void subjectIsOneLineAndNumbersAreNotGrouped() throws Exception {
        write("order/subject.ftl", "Order ${number}:\n${title}\n");
        write("order/text.ftl", "Total ${total}, order ${number}");
        MailJob mail = renderer().complete(job("order", "en-US",
                Map.of("number", 4711, "title", "two\r\nlines", "total", 1234.5)));
        assertEquals("Order 4711: two lines", mail.subject());
        assertEquals("Total 1234.5, order 4711", mail.text());
        assertNull(mail.html());
    }

    @Test
    void aMissingValueNamesTheFileLineAndVariable() throws Exception {
        TemplateFailedException e = assertThrows(TemplateFailedException.class, () -> SHIPPED.complete(
                job("password-reset", null, Map.of("name", "Jane", "resetUrl", "https://x.example"))));
        assertEquals("template password-reset: templates/password-reset/html.ftlh, line 6, column 48: the model"
                + " has no value for validHours (give it in the model, or a default in the template:"
                + " ${validHours!\"...\"})", e.getMessage());

        // a value that is null in the JSON is missing too: no blank holes
        java.util.HashMap<String, Object> model = new java.util.HashMap<>(welcome("Jane"));
        model.put("name", null);
        e = assertThrows(TemplateFailedException.class, () -> SHIPPED.complete(job("welcome", "de", model)));
        assertEquals("template welcome: templates/welcome/subject_de.ftl, line 1, column 32: the model has no"
                + " value for name (give it in the model, or a default in the template: ${name!\"...\"})",
                e.getMessage());
    }

    @Test
    void missingTemplatesAndPartsAreNamed() throws Exception {
        write("no-subject/text.ftl", "t");
        write("no-body/subject.ftl", "s");
        TemplateRenderer r = renderer();
        assertFailure(r, "nothing", "template nothing: no such template, the folder " + dir.resolve("nothing") + "/ does not exist");
        assertFailure(r, "no-subject", "template no-subject: " + dir.resolve("no-subject/subject.ftl")
                + " is missing (or give \"subject\" in the job)");
        assertFailure(r, "no-body", "template no-body: has no body, neither " + dir.resolve("no-body/text.ftl")
                + " nor " + dir.resolve("no-body/html.ftlh") + " exists");
        assertFailure(r, "../etc", "template \"../etc\": not a template name");
    }

    @Test
    void syntaxErrorsNameTheFileAndLineEvenInAnIncludedFile() throws Exception {
        write("broken/subject.ftl", "s");
        write("broken/html.ftlh", "<p>\n<p>${name</p>\n");
        write("_parts/bad.ftl", "line 1\n<#if x>never closed\n");
        write("includes-broken/subject.ftl", "s");
        write("includes-broken/text.ftl", "<#include \"/_parts/bad.ftl\">");
        write("includes-missing/subject.ftl", "s");
        write("includes-missing/text.ftl", "a\n<#include \"/_parts/none.ftl\">");
        TemplateRenderer r = renderer();
        assertFailure(r, "broken", "template broken: " + dir.resolve("broken/html.ftlh")
                + ", line 2, column 11: syntax error: Encountered \"/\"");
        assertFailure(r, "includes-broken", "template includes-broken: " + dir.resolve("_parts/bad.ftl")
                + ", line 2, column 20: syntax error: Unexpected end of file reached. You have an unclosed #if.");
        assertFailure(r, "includes-missing", "template includes-missing: " + dir.resolve("includes-missing/text.ftl")
                + ", line 2, column 1: Template inclusion failed (for parameter value \"/_parts/none.ftl\"):"
                + " Template not found for name \"_parts/none.ftl\".");
    }

    @Test
    void anEditTakesEffectWithoutARestart() throws Exception {
        write("news/subject.ftl", "Version 1");
        write("news/text.ftl", "t");
        TemplateRenderer r = renderer();
        assertEquals("Version 1", r.complete(job("news", null, Map.of())).subject());
        Path file = write("news/subject.ftl", "Version 2");
        // an editor's save moves the modification time on; make sure it differs from the first save's
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 2000));
        assertEquals("Version 2", r.complete(job("news", null, Map.of())).subject());
        // a locale variant added later is found too
        write("news/subject_de.ftl", "Ausgabe 2");
        assertEquals("Ausgabe 2", r.complete(job("news", "de", Map.of())).subject());
    }

    private TemplateRenderer renderer() {
        return new TemplateRenderer(dir, Duration.ZERO);
    }

    @Test
    void aTemplateFolderLinkedOutOfTheTemplatesFolderIsRefusedEveryTime() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside/secret"));
        Files.writeString(outside.resolve("subject.ftl"), "Hello");
        Files.writeString(outside.resolve("text.ftl"), "from outside");
        Path templates = Files.createDirectories(dir.resolve("templates"));
        Files.createSymbolicLink(templates.resolve("linked"), outside);
        TemplateRenderer r = new TemplateRenderer(templates, Duration.ofSeconds(5));
        // the same refusal the first time and after: FreeMarker remembers the first failure of a lookup
        for (int i = 0; i < 2; i++) {
            assertFailure(r, "linked", "template linked: the folder " + templates.resolve("linked")
                    + "/ leads outside " + templates);
        }
        // a file of a template that links out
        Files.createDirectories(templates.resolve("file-link"));
        Files.createSymbolicLink(templates.resolve("file-link/subject.ftl"), outside.resolve("subject.ftl"));
        for (int i = 0; i < 2; i++) {
            assertFailure(r, "file-link", "template file-link: cannot read " + templates.resolve("file-link/subject.ftl")
                    + ": it leads outside " + templates);
        }
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    private static void assertFailure(TemplateRenderer r, String template, String expectedStart) {
        TemplateFailedException e = assertThrows(TemplateFailedException.class,
                () -> r.complete(job(template, null, Map.of("name", "Jane"))));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }

    @Test
    void aTemplateMayAskForOneClickUnsubscribeFromItsList() throws Exception {
        Path news = Files.createDirectories(dir.resolve("news"));
        Files.writeString(news.resolve("subject.ftl"), "News");
        Files.writeString(news.resolve("text.ftl"), "t");
        Files.writeString(news.resolve("unsubscribe-list"), "newsletter\n");
        TemplateRenderer renderer = new TemplateRenderer(dir, Duration.ZERO);
        assertEquals("newsletter", renderer.complete(job("news", null, Map.of())).unsubscribeList());
        MailJob own = job("news", null, Map.of()).withUnsubscribe(new MailJob.Unsubscribe("offers"));
        assertEquals("offers", renderer.complete(own).unsubscribeList(), "the job's own list wins");
        Files.writeString(news.resolve("unsubscribe-list"), "not a list name");
        TemplateFailedException e = org.junit.jupiter.api.Assertions.assertThrows(TemplateFailedException.class,
                () -> renderer.complete(job("news", null, Map.of())));
        assertTrue(e.getMessage().contains("unsubscribe-list"), e.getMessage());
    }
}
