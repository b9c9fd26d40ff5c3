package org.outboxrelay.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.testing.LogCapture;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the embedded broker says while the relay works as usual: nothing to warn about. A warning in an
 * operator's log should mean something; Artemis used to warn at every start that mail.dead, the end of the line,
 * has no dead-letter address, and twice for every temporary queue - each management call of `queue status`, the
 * admin API and the console, and each subscriber of mail.events.
 */
class BrokerLogTest {

    @TempDir
    Path home;

    @Test
    void startingSendingAndAskingForTheQueuesLogNoBrokerWarning() throws Exception {
        try (LogCapture log = LogCapture.start(); TestSmtpServer smtp = TestSmtpServer.startPlain();
                TestRelay relay = TestRelay.forServer(home, smtp).start()) {
            relay.sendJson("{\"to\": \"a@example.com\", \"subject\": \"s\", \"text\": \"t\"}", Map.of("jobId", "b-1"));
            relay.awaitEvent(TestRelay.status("b-1", "sent")); // through the test's subscriber on mail.events
            QueueTools tools = relay.context().getRegistry().lookupByNameAndType("queueTools", QueueTools.class);
            for (String queue : List.of("mail.jobs", "mail.dead")) {
                assertEquals(0, tools.status(queue).total()); // management calls, each with a temporary reply queue
            }
            assertEquals(List.of(), tools.deadLetters());

            List<String> warnings = log.lines().stream()
                    .filter(l -> l.startsWith("WARN org.apache.activemq") || l.startsWith("ERROR org.apache.activemq"))
                    .toList();
            assertEquals(List.of(), warnings);
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("Sent")), "the capture saw the relay's own lines");
        }
    }
}
