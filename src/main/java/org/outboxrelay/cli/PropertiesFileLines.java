package org.outboxrelay.cli;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The keys of a {@code .properties} file with the line each is set on: {@link Properties} reads the values but
 * forgets where they were. Each logical line (continuations joined) is handed to {@link Properties} itself, so
 * escapes and separators are understood exactly as the relay understands them.
 */
final class PropertiesFileLines {

    /** Key to the lines it is set on, in file order; the last one wins, as in {@link Properties}. */
    private final Map<String, List<Integer>> lines;

    private PropertiesFileLines(Map<String, List<Integer>> lines) {
        this.lines = lines;
    }

    static PropertiesFileLines read(Path file) throws IOException {
        Map<String, List<Integer>> lines = new LinkedHashMap<>();
        if (!Files.isReadable(file)) {
            return new PropertiesFileLines(lines);
        }
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < all.size(); i++) {
            int first = i + 1;
            StringBuilder logical = new StringBuilder(all.get(i));
            String stripped = all.get(i).stripLeading();
            if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith("!")) {
                continue; // a comment never continues onto the next line
            }
            while (continues(all.get(i)) && i + 1 < all.size()) {
                logical.append('\n').append(all.get(++i));
            }
            Properties one = new Properties();
            one.load(new StringReader(logical.toString()));
            for (String key : one.stringPropertyNames()) {
                lines.computeIfAbsent(key, k -> new ArrayList<>()).add(first);
            }
        }
        return new PropertiesFileLines(lines);
    }

    /** An odd number of backslashes at the end: the value goes on on the next line. */
    private static boolean continues(String line) {
        int n = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    Map<String, List<Integer>> keys() {
        return lines;
    }

    /** The line the key's value comes from (the last one), or 0 when the file does not set it. */
    int line(String key) {
        List<Integer> l = lines.get(key);
        return l == null ? 0 : l.get(l.size() - 1);
    }
}
