package org.outboxrelay.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import freemarker.core.ParseException;
import org.outboxrelay.template.TemplateRenderer;

/**
 * The templates part of {@code check}: every FreeMarker file under the templates folder (layouts and includes
 * too) is parsed by the relay's own {@link TemplateRenderer}, with the configuration delivery uses. Parsing finds
 * syntax errors; a value missing from a job's model can only show when a job is rendered ({@code render}).
 */
final class TemplatesCheck {

    private final Path home;
    private final Path dir;
    private int templateCount;

    TemplatesCheck(Path home, Path dir) {
        this.home = home;
        this.dir = dir;
    }

    List<CheckProblem> check() throws IOException {
        List<CheckProblem> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return problems; // no templates is fine: jobs then give their subject and body themselves
        }
        List<Path> files;
        try (Stream<Path> all = Files.walk(dir)) {
            files = all.filter(Files::isRegularFile).filter(TemplatesCheck::isTemplate).sorted().toList();
        }
        templateCount = files.size();
        // update delay 0: each file is read now, nothing is cached from an earlier look
        TemplateRenderer renderer = new TemplateRenderer(dir, Duration.ZERO);
        for (Path file : files) {
            String name = dir.relativize(file).toString().replace('\\', '/');
            String shown = CheckProblem.shown(home, file);
            try {
                renderer.parse(name);
            } catch (IOException e) {
                ParseException syntax = RelayCli.find(e, ParseException.class);
                problems.add(syntax == null ? CheckProblem.at(shown, "cannot read: " + e.getMessage())
                        : CheckProblem.at(shown, syntax.getLineNumber(), "syntax error, column "
                                + syntax.getColumnNumber() + ": " + oneLine(syntax.getEditorMessage())));
            }
        }
        return problems;
    }

    int templateCount() {
        return templateCount;
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        // the parser's list of every token it could have taken helps no one: what it found, and where, does
        int cut = message.indexOf(", but was expecting");
        return (cut > 0 ? message.substring(0, cut) : message).replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static boolean isTemplate(Path file) {
        String name = file.getFileName().toString();
        return !name.startsWith(".") && (name.endsWith(".ftl") || name.endsWith(".ftlh") || name.endsWith(".ftlx"));
    }
}
