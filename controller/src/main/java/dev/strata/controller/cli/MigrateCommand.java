package dev.strata.controller.cli;

import dev.strata.api.TenantId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Asks the running controller to migrate a tenant and waits until it is done. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Migrate a tenant to another node (continues an interrupted migration to the same node).")
final class MigrateCommand implements Callable<Integer> {
    @Mixin RemoteOptions remote;

    @Option(names = "--tenant", required = true, paramLabel = "ID", description = "Tenant id (32 hex digits).")
    String tenant;

    @Option(names = "--to-node", required = true, paramLabel = "N", description = "The node to move it to.")
    long node;

    @Override
    public Integer call() throws Exception {
        TenantId id = TenantId.parse(tenant);
        try {
            System.out.println(RemoteOptions.pretty(remote.call("PUT", "/control/v1/tenant/" + id.hex() + "/migrate",
                    "{\"node_id\":" + node + "}")));
            return 0;
        } catch (RemoteOptions.CallFailed e) {
            System.err.println("strata-controller: " + e.getMessage());
            return e.status == 503 ? 75 : 1;
        }
    }
}
