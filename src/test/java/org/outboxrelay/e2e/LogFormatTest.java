package org.outboxrelay.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.testing.RelayProcess;
import org.outboxrelay.testing.TestSmtpServer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** relay.log.format=json in config/application.properties: every console line is one JSON object. */
class LogFormatTest {

    @TempDir
    Path home;

    @Test
    void jsonLogsHaveOneObjectPerLineAndOneLinePerOutcome() throws Exception {
        try (TestSmtpServer smtp = TestSmtpServer.startPlain();
                RelayProcess process = new RelayProcess(home).with("relay.provider", "smtp")
                        .with("relay.smtp.host", "127.0.0.1").with("relay.smtp.port", String.valueOf(smtp.port()))
                        .with("relay.smtp.security", "none").with("relay.smtp.from", "relay@example.com")) {
            Files.writeString(home.resolve("config/application.properties"), "\nrelay.log.format=json\n",
                    java.nio.file.StandardOpenOption.APPEND);
            process.start();
            Files.writeString(home.resolve("outbox/hello.json"),
                    "{\"id\": \"log-1\", \"to\": \"a@example.com\", \"subject\": \"hi\", \"text\": \"t\"}");
            smtp.awaitMessage();
            await().until(() -> Files.readString(process.log()).contains("Sent job log-1"));
            assertEquals(0, process.terminate(Duration.ofSeconds(60)));

            ObjectMapper json = new ObjectMapper();
            List<String> lines = Files.readAllLines(process.log()).stream().filter(l -> !l.isBlank()).toList();
            assertTrue(lines.size() > 5, String.join("\n", lines));
            int outcomes = 0;
            for (String line : lines) {
                JsonNode event = json.readTree(line); // throws on any line that is not JSON
                assertTrue(event.has("@timestamp") && event.has("log.level") && event.has("message"), line);
                if (event.path("message").asText().startsWith("Sent job log-1")) {
                    outcomes++;
                    assertEquals("INFO", event.path("log.level").asText());
                }
            }
            assertEquals(1, outcomes, "one line for the job's outcome");
        }
    }
}
