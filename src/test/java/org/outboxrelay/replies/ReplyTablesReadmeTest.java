package org.outboxrelay.replies;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "When sending fails" tables are generated from the reply tables (src/main/resources/replies/), so
 * that they always agree: this test fails when they differ. To write the README's section after changing a table:
 * {@code mvn -q test -Dtest=ReplyTablesReadmeTest -Dreadme.write=true}.
 */
class ReplyTablesReadmeTest {

    static final Path README = Path.of("README.md");
    static final String BEGIN = "<!-- reply tables: generated from src/main/resources/replies/*.yaml by ReplyTablesReadmeTest -->";
    static final String END = "<!-- end of reply tables -->";

    @Test
    void theReadmeListsEveryRuleOfTheReplyTables() throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md has the markers " + BEGIN + " and " + END);
        String generated = markdown(ReplyTable.all());
        String current = readme.substring(begin + BEGIN.length(), end);
        if (Boolean.getBoolean("readme.write") && !current.equals(generated)) {
            Files.writeString(README, readme.substring(0, begin + BEGIN.length()) + generated + readme.substring(end),
                    StandardCharsets.UTF_8);
            current = generated;
        }
        assertEquals(generated, current, "README.md's reply tables differ from src/main/resources/replies/: run"
                + " mvn -q test -Dtest=ReplyTablesReadmeTest -Dreadme.write=true");
        for (ReplyTable.Table t : ReplyTable.all().tables()) {
            for (ReplyRule r : t.rules()) {
                assertTrue(current.contains(row(r)), r.id());
            }
        }
    }

    static String markdown(ReplyTable tables) {
        StringBuilder md = new StringBuilder("\n");
        for (ReplyTable.Table t : tables.tables()) {
            md.append("\n#### ").append(t.title()).append("\n\n")
                    .append("`src/main/resources/replies/").append(t.name()).append(".yaml`, read by ")
                    .append(t.appliesTo()).append(".\n\n")
                    .append("| reply or failure | what it means | the relay | how to fix it |\n")
                    .append("| --- | --- | --- | --- |\n");
            for (ReplyRule r : t.rules()) {
                md.append(row(r)).append('\n');
            }
        }
        return md.append('\n').toString();
    }

    static String row(ReplyRule r) {
        String subject = r.condition() != null ? "no reply: `" + r.condition().id() + "`"
                : "`" + r.reply() + "`" + (r.text() == null ? "" : " with `" + r.text().pattern() + "`");
        return "| " + cell(subject) + " | " + cell(r.meaning()) + " | " + cell(r.describeAction()) + " | "
                + cell(r.fix()) + " |";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
