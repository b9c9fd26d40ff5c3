package org.outboxrelay.e2e;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.outboxrelay.testing.ApiClient;
import org.outboxrelay.testing.Browser;
import org.outboxrelay.testing.JobHistory;
import org.outboxrelay.testing.ReceivedMessage;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in a real headless browser (chromium through Selenium) against a real relay sending to a real SMTP
 * server: signing in, finding a sent job by its recipient and reading its timeline, a deferred job's next attempt,
 * retrying a dead letter until the server has it, purging one, and what a browser without a session or a page of
 * another site gets. Runs in order, like an operator's session; takes the README's screenshots (docs/console-*.png
 * with -Dconsole.screenshots=docs).
 * <p>
 * The timeline and the recipients are what the relay's job store wrote (job_event, job_recipient).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    static final String ADMIN_TOKEN = "console-admin-token-0123456789";

    @TempDir
    static Path home;
    private static TestSmtpServer smtp;
    private static TestRelay relay;
    private static JobHistory history;
    private static Browser browser;
    private static String console;

    @BeforeAll
    static void start() throws Exception {
        browser = Browser.start(home.resolve("browser"));
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home.resolve("relay"), smtp).with("relay.http.admin-tokens", ADMIN_TOKEN)
                // a deferred job waits long enough to be looked at
                .with("relay.retry.initial-delay", "10m").with("relay.retry.max-delay", "1h")
                .start();
        history = JobHistory.of(relay);
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
        if (smtp != null) {
            smtp.close();
        }
    }

    /** Submits a job over the HTTP API and waits for its outcome. */
    private static String submit(String id, String to, String subject, String outcome) throws Exception {
        ApiClient.Response r = relay.api().postJson("/api/v1/mails", "{\"id\": \"" + id + "\", \"to\": \"" + to
                + "\", \"subject\": \"" + subject + "\", \"text\": \"Hello from the test\", \"html\":"
                + " \"<h1>" + subject + "</h1><p>Thank you for your order.</p>\"}");
        assertEquals(202, r.status(), r.toString());
        relay.awaitEvent(TestRelay.status(id, outcome));
        return id;
    }

    private void signIn() {
        browser.open(console);
        WebElement token = browser.await(By.id("token"));
        token.sendKeys(ADMIN_TOKEN);
        browser.driver().findElement(By.id("sign-in-button")).click();
        browser.await(By.id("flow"));
    }

    @Test
    @Order(1)
    void aTokenThatMayOnlySubmitCannotSignInAnAdminTokenCan() throws Exception {
        browser.open(console);
        browser.await(By.id("token")).sendKeys(TestRelay.API_TOKEN);
        browser.screenshot("sign-in");
        browser.driver().findElement(By.id("sign-in-button")).click();
        assertTrue(browser.awaitText(By.id("sign-in-error"), "not an admin token").isDisplayed());
        assertTrue(browser.driver().findElement(By.id("nav")).getAttribute("hidden") != null, "no navigation");

        browser.driver().findElement(By.id("token")).clear();
        signIn();
        assertTrue(browser.driver().findElement(By.id("nav")).isDisplayed());
        assertEquals("smtp", browser.driver().findElement(By.id("updated")).getText().split(" · ")[1]);
    }

    @Test
    @Order(2)
    void findsASentJobByItsRecipientAndShowsItsTimeline() throws Exception {
        submit("order-4711", "jane.doe@example.com", "Your order 4711", "sent");
        submit("order-4712", "john@example.com", "Your order 4712", "sent");
        submit("newsletter-48", "jane.doe@example.com", "Newsletter week 48", "sent");

        browser.open(console + "#/mail");
        browser.await(By.id("q-recipient")).sendKeys("Jane.Doe@example.com");
        browser.driver().findElement(By.id("search-button")).click();
        browser.await(By.cssSelector("#mails tr[data-id='newsletter-48']"));
        List<String> ids = browser.all(By.cssSelector("#mails tbody tr")).stream()
                .map(tr -> tr.getAttribute("data-id")).toList();
        assertEquals(List.of("newsletter-48", "order-4711"), ids, "jane's mail, newest first");
        browser.screenshot("mail");

        browser.driver().findElement(By.linkText("order-4711")).click();
        WebElement sent = browser.await(By.cssSelector("#timeline li[data-status='sent']"));
        assertTrue(sent.getText().contains("250"), sent.getText());
        assertTrue(sent.getText().contains("Message-ID <"), sent.getText());
        assertTrue(browser.driver().findElement(By.cssSelector("#timeline li[data-status='queued']")).isDisplayed());
        assertEquals(List.of("queued", "sent"), history.events("order-4711"));
        WebElement recipient = browser.driver().findElement(By.cssSelector("#recipients tr[data-address='jane.doe@example.com']"));
        assertTrue(recipient.getText().contains("sent"), recipient.getText());
        assertEquals(relay.record("order-4711").messageId(),
                browser.driver().findElement(By.id("message-id")).getText());
        // the relay does not keep what it sent to a real server: the page says so
        assertTrue(browser.await(By.id("no-content")).getText().contains("does not keep"));
        browser.screenshot("timeline");
    }

    @Test
    @Order(3)
    void showsADeferredJobsNextAttempt() throws Exception {
        smtp.refuseRecipient("busy@example.com", 451, "4.7.1 Greylisted, try again later");
        submit("reminder-9", "busy@example.com", "Payment reminder", "deferred");
        Instant next = relay.record("reminder-9").nextAttemptAt();

        browser.open(console + "#/mail/reminder-9");
        WebElement time = browser.await(By.cssSelector("#next-attempt time"));
        assertEquals(next, Instant.parse(time.getAttribute("datetime")));
        WebElement deferred = browser.await(By.cssSelector("#timeline li[data-status='deferred']"));
        assertTrue(deferred.getText().contains("451 4.7.1 Greylisted"), deferred.getText());
        assertTrue(deferred.findElement(By.cssSelector(".next-attempt time")).isDisplayed());
        // still on mail.jobs: its content is shown as it will be sent
        assertEquals("Payment reminder", browser.await(By.id("message-subject")).getText());
    }

    @Test
    @Order(4)
    void retriesADeadLetterUntilTheServerHasIt() throws Exception {
        smtp.refuseRecipient("gone@example.com", 550, "5.1.1 User unknown");
        submit("invoice-2207", "gone@example.com", "Invoice 2207", "failed");

        browser.open(console + "#/dead");
        WebElement row = browser.await(By.cssSelector("#dead tr[data-id='invoice-2207']"));
        assertTrue(row.getText().contains("550 5.1.1 User unknown"), row.getText());
        browser.screenshot("dead-letters");

        smtp.acceptRecipient("gone@example.com"); // the mailbox is back
        row.findElement(By.cssSelector("button.retry")).click();
        browser.await(By.id("confirm-ok")).click();
        browser.awaitText(By.id("action-result"), "Queued again. (1)");

        relay.awaitEvent(e -> "invoice-2207".equals(e.path("jobId").asText()) && "sent".equals(e.path("status").asText()));
        List<ReceivedMessage> got = await().atMost(Duration.ofSeconds(30)).until(() -> smtp.messages().stream()
                .filter(m -> m.recipients().contains("gone@example.com")).toList(), l -> !l.isEmpty());
        assertEquals(1, got.size(), "sent once");
        assertEquals("Invoice 2207", got.get(0).subject());
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.deadLetters().stream()
                .noneMatch(m -> "invoice-2207".equals(TestRelay.jobId(m))));
        browser.open(console + "#/mail/invoice-2207");
        browser.await(By.cssSelector("#mail-id + .badge[data-status='sent']"));
    }

    @Test
    @Order(5)
    void purgesADeadLetter() throws Exception {
        smtp.refuseRecipient("nobody@example.com", 550, "5.1.1 User unknown");
        submit("welcome-31", "nobody@example.com", "Welcome", "failed");

        browser.open(console + "#/mail/welcome-31");
        browser.await(By.id("dead-letter"));
        assertTrue(browser.driver().findElement(By.id("dead-reason")).getText().contains("550"));
        browser.driver().findElement(By.id("purge")).click();
        assertTrue(browser.await(By.id("confirm-text")).getText().contains("welcome-31"));
        browser.driver().findElement(By.id("confirm-ok")).click();
        browser.awaitText(By.id("action-result"), "Deleted. (1)");
        assertTrue(relay.deadLetters().stream().noneMatch(m -> "welcome-31".equals(TestRelay.jobId(m))));
    }

    @Test
    @Order(6)
    void theOverviewShowsTheLastHour() throws Exception {
        browser.open(console + "#/overview");
        WebElement sent = browser.await(By.id("flow-sent"));
        assertTrue(Integer.parseInt(sent.getText()) >= 3, "3 or 4 sent: " + sent.getText());
        assertEquals("sending", browser.driver().findElement(By.id("account-state")).getText());
        assertTrue(browser.driver().findElement(By.id("smtp-open")).getText().endsWith("of 4"));
        browser.screenshot("overview");
        browser.size(390, 844); // a phone
        browser.open(console + "#/mail/order-4711");
        browser.await(By.cssSelector("#timeline li[data-status='sent']"));
        browser.screenshot("phone");
        browser.size(1280, 900);
    }

    @Test
    @Order(7)
    void aCrossSitePostIsRefused() throws Exception {
        smtp.refuseRecipient("lost@example.com", 550, "5.1.1 User unknown");
        submit("target-1", "lost@example.com", "Target", "failed");
        // a page of another site (localhost is not 127.0.0.1) that posts to the console with the browser's session
        HttpServer evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String page = "<!doctype html><form id=f method=post enctype=text/plain action='" + console
                + "api/dead/target-1/purge'><input name='{\"a\":\"' value='\"}'></form>"
                + "<script>document.getElementById('f').submit()</script>";
        evil.createContext("/", exchange -> {
            byte[] body = page.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        evil.start();
        try {
            browser.open("http://localhost:" + evil.getAddress().getPort() + "/");
            await().atMost(Duration.ofSeconds(20)).until(() -> browser.driver().getPageSource()
                    .contains("Cross-site request refused"));
        } finally {
            evil.stop(0);
        }
        assertTrue(relay.deadLetters().stream().anyMatch(m -> "target-1".equals(TestRelay.jobId(m))),
                "the dead letter is still there");
    }

    @Test
    @Order(8)
    void signingOutLeavesNothingToSee() throws Exception {
        browser.open(console + "#/overview");
        browser.await(By.id("sign-out")).click();
        browser.awaitText(By.id("sign-in-error"), "Signed out.");
        browser.open(console + "#/mail/order-4711");
        browser.await(By.id("token"));
        assertFalse(browser.driver().getPageSource().contains("Your order 4711"));
        // and a request without a session gets nothing
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(console
                + "api/mails?recipient=jane.doe@example.com")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
        assertFalse(r.body().contains("order-4711"));
        JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        assertEquals(Map.of("status", 401, "detail", "Sign in first."), new com.fasterxml.jackson.databind.ObjectMapper()
                .convertValue(body, Map.class));
    }
}
