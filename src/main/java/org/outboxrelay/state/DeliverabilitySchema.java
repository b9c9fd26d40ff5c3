package org.outboxrelay.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * The deliverability tables ({@code db/migration/V3__deliverability.sql}: suppression list, recipient outcomes,
 * processed reports). Until Flyway runs the migrations, the relay applies this script itself at every start;
 * it only has {@code CREATE ... IF NOT EXISTS} statements, so running it again changes nothing. Once Flyway
 * runs it, this class goes.
 */
public final class DeliverabilitySchema {

    public static final String SCRIPT = "/db/migration/V3__deliverability.sql";

    private DeliverabilitySchema() {
    }

    /** Creates what is missing. Needs the job table (mail_job) to exist: V3 indexes it by Message-ID. */
    public static void apply(DataSource dataSource) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String statement : statements()) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new StateStoreException("cannot create the deliverability tables", e);
        }
    }

    /** The statements of the script, without comments. */
    static List<String> statements() {
        String sql;
        try (InputStream in = DeliverabilitySchema.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " is missing from the classpath");
            }
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder text = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (!line.strip().startsWith("--")) {
                text.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String statement : text.toString().split(";")) {
            if (!statement.isBlank()) {
                out.add(statement.strip());
            }
        }
        return out;
    }
}
