package org.outboxrelay.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.outboxrelay.config.Settings;

/** Runs the {@code queue} command from tests in other packages, as {@code java -jar ... queue ARGS} would. */
public final class QueueCommandAccess {

    private QueueCommandAccess() {
    }

    public static int run(Function<String, Optional<String>> settings, PrintStream out, PrintStream err,
            String... args) {
        return new QueueCommand(new Settings(settings::apply), out, err).run(List.of(args));
    }
}
