package org.outboxrelay.cli;

import java.io.PrintStream;

/**
 * Where a command writes: standard output for results, standard error for problems. Every command class takes it
 * in its constructor ({@code XCommand(CliOutput io)}), so that the tests can run the command line with their own
 * streams.
 */
public record CliOutput(PrintStream out, PrintStream err) {
}
