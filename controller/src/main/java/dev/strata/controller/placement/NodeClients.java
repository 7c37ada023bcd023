package dev.strata.controller.placement;

import dev.strata.client.StrataClient;
import dev.strata.controller.Node;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link StrataClient} per node address, made on first use and closed with this. Nodes that require a
 * token get {@code nodeToken} as a bearer token.
 */
public final class NodeClients implements AutoCloseable {
    private final String nodeToken;
    private final Map<String, StrataClient> clients = new ConcurrentHashMap<>();

    /** @param nodeToken the bearer token to send to nodes, or null */
    public NodeClients(String nodeToken) {
        this.nodeToken = nodeToken;
    }

    public StrataClient client(Node node) {
        return clients.computeIfAbsent(node.address().toString(), address -> {
            StrataClient client = StrataClient.connect(node.address());
            return nodeToken == null ? client : client.withToken(nodeToken);
        });
    }

    @Override
    public void close() {
        clients.values().forEach(StrataClient::close);
        clients.clear();
    }
}
