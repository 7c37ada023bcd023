package dev.strata.core.cli;

import dev.strata.core.timeline.EngineException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/strata}. Exit codes: 0 success, 1 the operation failed (the message says why),
 * 2 bad arguments or input (usage is printed).
 */
@Command(name = "strata", mixinStandardHelpOptions = true, versionProvider = StrataMain.Version.class,
        description = "A multi-tenant, branchable, versioned page store with tiered storage.",
        subcommands = {InitCommand.class, ServerCommand.class, NodeCommands.Status.class, NodeCommands.Tenant.class,
                NodeCommands.Timeline.class, NodeCommands.Put.class, NodeCommands.Get.class, LocalCommand.class,
                InspectCommand.class, RemoteCommand.class, ScrubCommand.class, CommandLine.HelpCommand.class})
public final class StrataMain {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new StrataMain());
        Converters.register(commandLine);
        commandLine.setExecutionExceptionHandler(StrataMain::handleFailure);
        return commandLine;
    }

    private static int handleFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof dev.strata.client.StrataClientException client) {
            err.println("strata: " + client.getMessage());
            return client.status() == 400 ? 2 : 1;
        }
        if (e instanceof EngineException.BadRequest || e instanceof IllegalArgumentException) {
            err.println("strata: " + e.getMessage());
            commandLine.usage(err);
            return 2;
        }
        err.println("strata: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        if (System.getenv("STRATA_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return 1;
    }

    /** The version from the module descriptor, or "development" outside a packaged module. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = StrataMain.class.getModule().getDescriptor() == null ? null
                    : StrataMain.class.getModule().getDescriptor().rawVersion().orElse(null);
            return new String[] {"strata " + (version == null ? "0.1.0" : version)};
        }
    }
}
