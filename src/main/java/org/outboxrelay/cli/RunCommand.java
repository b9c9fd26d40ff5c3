package org.outboxrelay.cli;

import java.util.concurrent.Callable;

import org.outboxrelay.config.RelayApplication;
import picocli.CommandLine.Command;

/** {@code run}: the relay itself, until SIGTERM or SIGINT (also what runs without a command). */
@Command(name = "run", description = "Run the relay in this folder (the default when no command is given).")
final class RunCommand implements Callable<Integer> {

    RunCommand(CliOutput io) {
        // the relay logs; it prints nothing itself
    }

    @Override
    public Integer call() throws Exception {
        new RelayApplication().run();
        return RelayCli.OK;
    }
}
