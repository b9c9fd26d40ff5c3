package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check} on a copy of the shipped project: clean it passes with a summary; with a broken route file, an
 * unknown setting and a template syntax error it names each one's file and line and exits 2.
 */
class CheckCommandTest {

    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void copyProject() throws Exception {
        CheckFixture.copyProject(home);
    }

    private int check() throws Exception {
        return new CheckCommand(home, Map.of(), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run();
    }

    @Test
    void theShippedProjectPassesWithASummary() throws Exception {
        assertEquals(RelayCli.OK, check(), err.toString());

        long routes = CheckFixture.count(home.resolve("routes"), ".camel.yaml");
        long templates = CheckFixture.count(home.resolve("templates"), ".ftl", ".ftlh");
        assertTrue(out.toString().matches("OK: \\d+ settings, " + routes + " route files, " + templates
                + " templates checked\\R"), out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void reportsEveryProblemWithFileAndLine() throws Exception {
        int routeLine = CheckFixture.replace(home.resolve("routes/delivery.camel.yaml"),
                "- to: direct:job-duplicate", "- tooo: direct:job-duplicate");
        int settingLine = CheckFixture.append(home.resolve("config/application.properties"),
                "relay.smtp.hots=mail.example.com");
        int templateLine = CheckFixture.replace(home.resolve("templates/welcome/text.ftl"), "${name}", "${name");

        assertEquals(RelayCli.USAGE, check());

        String report = err.toString();
        assertTrue(report.contains("routes/delivery.camel.yaml:" + routeLine + ": Unknown node id: tooo"), report);
        assertTrue(report.contains("config/application.properties:" + settingLine
                + ": unknown setting relay.smtp.hots (did you mean relay.smtp.host?)"), report);
        assertTrue(report.contains("templates/welcome/text.ftl:" + templateLine + ": syntax error"), report);
        assertTrue(report.endsWith("3 problems found" + System.lineSeparator()), report);
        assertEquals("", out.toString());
    }

    @Test
    void theJarCommandChecksTheWorkingDirectoryAndTakesNoArguments() {
        // the tests run in the project folder: its shipped files must pass
        assertEquals(RelayCli.OK, RelayCli.execute(new String[] {"check"}, new PrintStream(out, true),
                new PrintStream(err, true)), err.toString());
        assertTrue(out.toString().startsWith("OK: "), out.toString());

        assertEquals(RelayCli.USAGE, RelayCli.execute(new String[] {"check", "--verbose"}, new PrintStream(out, true),
                new PrintStream(err, true)));
        assertTrue(RelayCli.usage().contains("check"));
        assertTrue(RelayCli.usage().contains("queue status"));
    }
}
