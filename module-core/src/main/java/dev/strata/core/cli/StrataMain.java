package dev.strata.core.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/strata}. */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0",
        description = "A multi-tenant, branchable, versioned page store with tiered storage.",
        subcommands = {CommandLine.HelpCommand.class})
public final class StrataMain {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (2 for bad arguments). */
    public static int run(String... args) {
        return new CommandLine(new StrataMain()).execute(args);
    }
}
