package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.Browser;
import org.outboxrelay.testing.JobHistory;
import org.outboxrelay.testing.TestRelay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quick start's relay (provider capture, one token for everything) and its captured mail in a real headless
 * browser: the inbox of data/captured/, a message's HTML in a sandboxed frame (no scripts, no remote images until
 * asked for, inline images shown), its text, headers and attachments; and the sent job's own page, which shows the
 * captured message with the job's history.
 */
class ConsoleCaptureTest {

    // a 1x1 PNG
    private static final String PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    @TempDir
    static Path home;
    private static TestRelay relay;
    private static Browser browser;
    private static String console;

    @BeforeAll
    static void start() throws Exception {
        browser = Browser.start(home.resolve("browser"));
        relay = TestRelay.in(home.resolve("relay")).start();
        JobHistory.of(relay);
        console = "http://127.0.0.1:" + relay.api().port() + "/console/";
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (relay != null) {
            relay.stop();
        }
    }

    @Test
    void showsACapturedMessagesHtmlInASandboxedFrame() throws Exception {
        // a mail of the shipped templates, for the README's picture
        assertEquals(202, relay.api().postJson("/api/v1/mails", "{\"id\": \"welcome-john\", \"to\":"
                + " \"john@example.com\", \"template\": \"welcome\", \"model\": {\"name\": \"John\", \"loginUrl\":"
                + " \"https://shop.example.com/login\"}}").status());
        relay.awaitEvent(TestRelay.status("welcome-john", "sent"));
        String html = "<div style='font-family:sans-serif'><h1 id='greeting'>Welcome, Jane</h1>"
                + "<p>Your account is ready.</p><img id='logo' alt='logo' src='cid:logo@example.com'>"
                + "<img id='tracker' alt='tracker' src='https://tracker.example/open.gif'>"
                + "<script>document.getElementById('greeting').textContent = 'scripted'</script></div>";
        String job = "{\"id\": \"welcome-jane\", \"to\": \"jane@example.com\", \"subject\": \"Welcome to Example\","
                + " \"text\": \"Welcome, Jane. Your account is ready.\", \"html\": \"" + html.replace("\"", "\\\"")
                + "\", \"attachments\": [{\"filename\": \"logo.png\", \"contentType\": \"image/png\", \"contentBase64\": \""
                + PIXEL + "\", \"inline\": true, \"contentId\": \"logo@example.com\"}, {\"filename\": \"terms.txt\","
                + " \"contentType\": \"text/plain\", \"contentBase64\": \""
                + Base64.getEncoder().encodeToString("The terms.".getBytes()) + "\"}]}";
        ApiClient.Response r = relay.api().postJson("/api/v1/mails", job);
        assertEquals(202, r.status(), r.toString());
        relay.awaitEvent(TestRelay.status("welcome-jane", "sent"));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (var files = Files.list(relay.data().resolve("captured"))) {
                return files.anyMatch(f -> f.toString().endsWith(".eml"));
            }
        });

        browser.open(console);
        browser.await(By.id("token")).sendKeys(TestRelay.API_TOKEN);
        browser.driver().findElement(By.id("sign-in-button")).click();
        browser.await(By.id("flow"));
        browser.open(console + "#/captured");
        WebElement first = browser.await(By.cssSelector("#captured li:first-child a"));
        assertEquals(2, browser.all(By.cssSelector("#captured li")).size());
        assertTrue(first.getText().contains("Welcome to Example"), first.getText());
        assertTrue(first.getText().contains("jane@example.com"), first.getText());
        browser.screenshot("captured");
        first.click();

        WebElement frame = browser.await(By.id("html-frame"));
        assertEquals("", frame.getAttribute("sandbox"), "sandboxed, nothing allowed");
        assertTrue(browser.await(By.id("remote-notice")).getText().contains("1 remote image(s) not loaded"));
        browser.driver().switchTo().frame(frame);
        try {
            WebElement greeting = browser.await(By.id("greeting"));
            assertEquals("Welcome, Jane", greeting.getText(), "the script did not run");
            Object inlineWidth = ((org.openqa.selenium.JavascriptExecutor) browser.driver())
                    .executeScript("return document.getElementById('logo').naturalWidth");
            assertEquals(1L, inlineWidth, "the inline image is shown");
            Object trackerWidth = ((org.openqa.selenium.JavascriptExecutor) browser.driver())
                    .executeScript("return document.getElementById('tracker').naturalWidth");
            assertEquals(0L, trackerWidth, "the remote image is not loaded");
        } finally {
            browser.driver().switchTo().defaultContent();
        }

        browser.driver().findElement(By.id("tab-attachments")).click();
        List<String> names = browser.all(By.cssSelector("#panel-attachments li a")).stream().map(WebElement::getText)
                .toList();
        assertEquals(List.of("logo.png", "terms.txt"), names);
        browser.driver().findElement(By.id("tab-text")).click();
        assertTrue(browser.await(By.id("panel-text")).getText().contains("Your account is ready."));
        browser.driver().findElement(By.id("tab-headers")).click();
        assertTrue(browser.await(By.id("panel-headers")).getText().contains("X-Envelope-To"));

        // the job's own page: its history, and the message as the capture server got it
        browser.open(console + "#/mail/welcome-jane");
        browser.awaitText(By.id("mail-id"), "welcome-jane");
        assertEquals("Welcome to Example", browser.await(By.id("message-subject")).getText());
        assertTrue(browser.all(By.id("dead-letter")).isEmpty(), "sent, not a dead letter");
        assertTrue(browser.driver().findElement(By.id("content")).getText().contains("capture provider kept"));

        browser.open(console + "#/captured");
        browser.await(By.cssSelector("#captured li:nth-child(2) a")).click();
        browser.awaitText(By.id("captured-subject"), "Welcome to Example Shop, John!");
        browser.driver().switchTo().frame(browser.await(By.id("html-frame")));
        browser.awaitText(By.tagName("h1"), "Hello John");
        browser.driver().switchTo().defaultContent();
        browser.screenshot("captured-message");
    }
}
