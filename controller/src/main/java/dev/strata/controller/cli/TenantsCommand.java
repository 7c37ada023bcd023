package dev.strata.controller.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lists the tenants with their generation, placements and unfinished migration. */
@Command(name = "tenants", mixinStandardHelpOptions = true, description = "List tenants and where they are placed.")
final class TenantsCommand implements Callable<Integer> {
    @Mixin RemoteOptions remote;

    @Override
    public Integer call() throws Exception {
        try {
            System.out.println(RemoteOptions.pretty(remote.call("GET", "/control/v1/tenant", null)));
            return 0;
        } catch (RemoteOptions.CallFailed e) {
            System.err.println("strata-controller: " + e.getMessage());
            return 1;
        }
    }
}
