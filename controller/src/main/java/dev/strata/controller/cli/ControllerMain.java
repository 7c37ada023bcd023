package dev.strata.controller.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code strata-controller}: runs the controller, or asks a running one to do something. */
@Command(name = "strata-controller", mixinStandardHelpOptions = true, versionProvider = ControllerMain.Version.class,
        description = "The reference control plane of Strata: generations, placement and migration of tenants.",
        subcommands = {ServeCommand.class, MigrateCommand.class, TenantsCommand.class, RegisterNodeCommand.class})
public final class ControllerMain {
    private ControllerMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new ControllerMain()).execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ControllerMain.class.getPackage().getImplementationVersion();
            return new String[] {"strata-controller " + (version == null ? "(development build)" : version)};
        }
    }
}
