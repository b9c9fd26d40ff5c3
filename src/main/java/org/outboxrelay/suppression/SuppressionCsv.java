package org.outboxrelay.suppression;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import org.outboxrelay.state.Suppression;
import org.outboxrelay.state.SuppressionReason;

/**
 * The suppression list as CSV (RFC 4180, with a header line): {@code address,list,reason,detail,created_at}.
 * An empty {@code list} means every list. Import needs the {@code address} column only; {@code reason} defaults to
 * manual. Jackson's CSV module does the quoting.
 */
public final class SuppressionCsv {

    static final List<String> COLUMNS = List.of("address", "list", "reason", "detail", "created_at");
    private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.TRIM_SPACES)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES);

    /** One line of an import: an entry, or why the line cannot be one. */
    public record Line(int number, Suppression entry, String problem) {
    }

    private SuppressionCsv() {
    }

    public static String write(List<Suppression> entries) {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        COLUMNS.forEach(schema::addColumn);
        StringWriter out = new StringWriter();
        try (var writer = CSV.writer(schema.build()).writeValues(out)) {
            for (Suppression s : entries) {
                writer.write(List.of(s.address(), s.list(), s.reason().id(), s.detail() == null ? "" : s.detail(),
                        s.createdAt() == null ? "" : s.createdAt().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Reads an import for an account; lines without a valid address or reason come back with their problem. */
    public static List<Line> read(Reader in, String account, Instant now) throws IOException {
        List<Line> out = new ArrayList<>();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        try (MappingIterator<Map<String, String>> rows = CSV.readerFor(Map.class).with(schema).readValues(in)) {
            int number = 1; // the header
            while (rows.hasNext()) {
                number++;
                Map<String, String> row = rows.next();
                String address = value(row, "address");
                if (address == null || !address.matches("[^@\\s,;<>]+@[^@\\s,;<>]+")) {
                    out.add(new Line(number, null, "no valid address" + (address == null ? "" : ": " + address)));
                    continue;
                }
                String list = value(row, "list");
                if (list != null && !list.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                    out.add(new Line(number, null, "not a list name: " + list));
                    continue;
                }
                SuppressionReason reason;
                try {
                    String r = value(row, "reason");
                    reason = r == null ? SuppressionReason.MANUAL : SuppressionReason.of(r);
                } catch (IllegalArgumentException e) {
                    out.add(new Line(number, null, e.getMessage()));
                    continue;
                }
                out.add(new Line(number, new Suppression(account, list, address, reason, value(row, "detail"), null,
                        now), null));
            }
        }
        return out;
    }

    private static String value(Map<String, String> row, String column) {
        String v = row.get(column);
        return v == null || v.isBlank() ? null : v.strip();
    }
}
