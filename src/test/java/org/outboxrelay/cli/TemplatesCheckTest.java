package org.outboxrelay.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The templates part of check: every FreeMarker file parsed as delivery parses it, layouts included. */
class TemplatesCheckTest {

    @TempDir
    Path home;

    private Path templates;

    @BeforeEach
    void copyProject() throws Exception {
        CheckFixture.copyProject(home);
        templates = home.resolve("templates");
    }

    private List<String> check() throws Exception {
        return new TemplatesCheck(home, templates).check().stream().map(CheckProblem::toString).toList();
    }

    @Test
    void theShippedTemplatesHaveNoProblem() throws Exception {
        TemplatesCheck check = new TemplatesCheck(home, templates);
        assertEquals(List.of(), check.check());
        assertEquals(CheckFixture.count(templates, ".ftl", ".ftlh"), check.templateCount());
    }

    @Test
    void syntaxErrorsInAPartAndInALayoutEachWithTheirLine() throws Exception {
        Files.writeString(templates.resolve("welcome/subject_de.ftl"), "Willkommen\n<#if name>Hallo ${name}\n");
        int layoutLine = CheckFixture.replace(templates.resolve("_layout/footer.ftlh"), "<", "<#list>");

        List<String> problems = check();

        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("templates/_layout/footer.ftlh:" + layoutLine + ": syntax error,"
                + " column "), problems.toString());
        assertTrue(problems.get(1).startsWith("templates/welcome/subject_de.ftl:2: syntax error, column "),
                problems.toString());
        assertTrue(problems.get(1).contains("You have an unclosed #if."), problems.toString());
    }

    @Test
    void aMissingTemplatesFolderIsNoProblem() throws Exception {
        TemplatesCheck check = new TemplatesCheck(home, home.resolve("no-templates"));
        assertEquals(List.of(), check.check());
        assertEquals(0, check.templateCount());
    }
}
