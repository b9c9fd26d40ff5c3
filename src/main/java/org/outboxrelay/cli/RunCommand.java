package org.outboxrelay.cli;

import java.util.concurrent.Callable;

import org.outboxrelay.config.RelayApplication;
import org.outboxrelay.jvm.RelayJvm;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** {@code run}: the relay itself, until SIGTERM or SIGINT (also what runs without a command). */
@Command(name = "run", description = "Run the relay in this folder (the default when no command is given).")
final class RunCommand implements Callable<Integer> {

    RunCommand(CliOutput io) {
        // the relay logs; it prints nothing itself
    }

    @Override
    public Integer call() throws Exception {
        RelayApplication relay = new RelayApplication();
        if (RelayJvm.description() != null) {
            LoggerFactory.getLogger(RunCommand.class).info("Relay JVM (relay.jvm.tuning=auto): {}",
                    RelayJvm.description());
        }
        // in the JVM RelayJvm started: the relay never outlives the JVM that started it
        RelayJvm.stopWithLauncher(() -> relay.requestStop("The JVM that started the relay is gone"));
        relay.run();
        return RelayCli.OK;
    }
}
