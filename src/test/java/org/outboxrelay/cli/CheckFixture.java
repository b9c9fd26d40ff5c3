package org.outboxrelay.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** A copy of the shipped config/, routes/ and templates/ in a test's folder, for check tests to break one thing. */
final class CheckFixture {

    private CheckFixture() {
    }

    static Path copyProject(Path home) throws IOException {
        for (String dir : List.of("config", "routes", "templates")) {
            Path from = Path.of(dir);
            try (Stream<Path> all = Files.walk(from)) {
                for (Path p : all.toList()) {
                    Path to = home.resolve(from.relativize(p).toString().isEmpty() ? dir
                            : dir + "/" + from.relativize(p));
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
        }
        return home;
    }

    /** Replaces the first occurrence of a text, which must be there; returns the (1-based) line it is on. */
    static int replace(Path file, String text, String replacement) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int at = content.indexOf(text);
        if (at < 0) {
            throw new AssertionError(text + " not found in " + file);
        }
        Files.writeString(file, content.substring(0, at) + replacement + content.substring(at + text.length()),
                StandardCharsets.UTF_8);
        return (int) content.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }

    /** Appends one line; returns its line number. */
    static int append(Path file, String line) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        String prefix = content.isEmpty() || content.endsWith("\n") ? "" : "\n";
        Files.writeString(file, prefix + line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        return (int) (content + prefix).chars().filter(c -> c == '\n').count() + 1;
    }

    static long count(Path dir, String... endings) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(endings).anyMatch(e -> p.getFileName().toString().endsWith(e))).count();
        }
    }
}
