package org.outboxrelay.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PropertiesFileLinesTest {

    @TempDir
    Path tmp;

    @Test
    void eachKeyWithTheLinesItIsSetOn() throws Exception {
        Path file = Files.writeString(tmp.resolve("a.properties"), """
                # a comment with key=value in it \\
                relay.a=1
                relay.b = two \\
                   lines
                ! another comment
                relay.c: 3
                  relay.a=again
                relay\\.d=escaped
                """);

        PropertiesFileLines lines = PropertiesFileLines.read(file);

        assertEquals(Map.of("relay.a", List.of(2, 7), "relay.b", List.of(3), "relay.c", List.of(6),
                "relay.d", List.of(8)), lines.keys());
        assertEquals(7, lines.line("relay.a")); // the last one wins, as in java.util.Properties
        assertEquals(0, lines.line("relay.z"));
    }

    @Test
    void aMissingFileHasNoKeys() throws Exception {
        assertEquals(Map.of(), PropertiesFileLines.read(tmp.resolve("none.properties")).keys());
    }
}
