package org.outboxrelay.replies;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * What SMTP replies (and failures without one) mean and what to do about each, as data: one YAML file per
 * provider under {@code src/main/resources/replies/} ({@code microsoft.yaml} for Outlook.com and Exchange Online,
 * {@code generic.yaml} for every server), read in the order of {@link #NAMES}; the first rule that matches decides.
 * A provider's rules name its own reply texts, so every table is read whatever the provider: a relay that reaches
 * Microsoft through relay.provider=smtp still understands Microsoft's replies. Used by the delivery route's
 * classifier, the account pause (its length), the doctor command and the README's "When sending fails".
 */
public final class ReplyTable {

    /** The tables in the order they are documented. */
    public static final List<String> NAMES = List.of("microsoft", "generic");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One file: its name, title, which servers it is for, and its rules in order. */
    public record Table(String name, String title, String appliesTo, List<ReplyRule> rules) {
    }

    private final List<Table> tables;

    private ReplyTable(List<Table> tables) {
        this.tables = List.copyOf(tables);
    }

    /** Every table, in order: what the relay uses. */
    public static ReplyTable all() {
        return of(NAMES.toArray(new String[0]));
    }

    public static ReplyTable of(String... names) {
        List<Table> list = new ArrayList<>();
        for (String name : names) {
            list.add(load(name));
        }
        return new ReplyTable(list);
    }

    public List<Table> tables() {
        return tables;
    }

    /** The rule for an SMTP reply: {@code code}, its enhanced status code (or null) and its whole text. */
    public Optional<ReplyRule> match(int code, String enhanced, String text) {
        for (Table t : tables) {
            for (ReplyRule r : t.rules()) {
                if (r.matches(code, enhanced, text)) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    public Optional<ReplyRule> match(FailureCondition failure) {
        for (Table t : tables) {
            for (ReplyRule r : t.rules()) {
                if (r.matches(failure)) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    // --- loading -----------------------------------------------------------------------------------------

    /** A table file as written. */
    record TableFile(String table, String title, String applies, List<Row> rules) {
    }

    /** A row as written; see generic.yaml for the columns. */
    record Row(String id, String reply, String text, String failure, String action, String pause, String meaning,
            String fix) {
    }

    static Table load(String name) {
        String resource = "/replies/" + name + ".yaml";
        try (InputStream in = ReplyTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no reply table " + resource);
            }
            TableFile file = YAML.readValue(in, TableFile.class);
            if (!name.equals(file.table())) {
                throw new IllegalArgumentException(resource + ": table must be \"" + name + "\"");
            }
            List<ReplyRule> rules = new ArrayList<>();
            for (Row row : file.rules()) {
                rules.add(rule(name, row));
            }
            return new Table(name, file.title(), file.applies(), List.copyOf(rules));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reply table " + resource, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("reply table " + resource + ": " + e.getMessage(), e);
        }
    }

    private static ReplyRule rule(String table, Row row) {
        if (row.id() == null) {
            throw new IllegalArgumentException("a rule without an id");
        }
        ReplyAction action;
        try {
            action = ReplyAction.valueOf(String.valueOf(row.action()).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(row.id() + ": action must be transient, permanent or pause, not "
                    + row.action());
        }
        return new ReplyRule(table, row.id(), row.reply() == null ? null : row.reply().trim(),
                row.text() == null ? null : Pattern.compile(row.text(), Pattern.CASE_INSENSITIVE),
                row.failure() == null ? null : FailureCondition.byId(row.failure().trim()), action,
                action == ReplyAction.PAUSE ? PauseLength.parse(row.pause()) : requireNoPause(row),
                clean(row.meaning()), clean(row.fix()));
    }

    private static PauseLength requireNoPause(Row row) {
        if (row.pause() != null) {
            throw new IllegalArgumentException(row.id() + ": pause only goes with action pause");
        }
        return null;
    }

    /** Folded YAML text as one line. */
    private static String clean(String text) {
        return text == null ? null : text.strip().replaceAll("\\s+", " ");
    }
}
