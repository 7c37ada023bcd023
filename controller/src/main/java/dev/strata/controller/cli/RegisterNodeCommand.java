package dev.strata.controller.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Registers a node (or updates its address) with the running controller. */
@Command(name = "register-node", mixinStandardHelpOptions = true, description = "Register a node with the controller.")
final class RegisterNodeCommand implements Callable<Integer> {
    @Mixin RemoteOptions remote;

    @Option(names = "--node-id", required = true, paramLabel = "N", description = "The node's node_id.")
    long nodeId;

    @Option(names = "--address", required = true, paramLabel = "URL", description = "The node's HTTP address, e.g. http://127.0.0.1:9898.")
    URI address;

    @Override
    public Integer call() throws Exception {
        String body = new ObjectMapper().createObjectNode().put("node_id", nodeId).put("address", address.toString()).toString();
        try {
            System.out.println(RemoteOptions.pretty(remote.call("POST", "/control/v1/node", body)));
            return 0;
        } catch (RemoteOptions.CallFailed e) {
            System.err.println("strata-controller: " + e.getMessage());
            return 1;
        }
    }
}
