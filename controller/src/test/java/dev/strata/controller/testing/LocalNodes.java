package dev.strata.controller.testing;

import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.client.StrataClient;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.remote.RetryPolicy;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.tiered.RemoteResources;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Real nodes in this JVM: each a {@link LocalEngine} behind a {@link NodeServer} on a free port, all sharing
 * one bucket in a local directory (the localfs backend, found through ServiceLoader). Closing closes them all.
 */
public final class LocalNodes implements AutoCloseable {
    private final Path root;
    private final List<Node> nodes = new ArrayList<>();

    /** One running node. */
    public record Node(long id, LocalEngine engine, NodeServer server, RemoteResources remote, StrataClient client) {
        public URI address() {
            return URI.create("http://127.0.0.1:" + server.port());
        }
    }

    public LocalNodes(Path root) {
        this.root = root;
    }

    /** Starts node {@code id} with its work directory under the root and the shared bucket. */
    public Node start(long id) throws Exception {
        RemoteStorageProvider provider = ServiceLoader.load(RemoteStorageProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("localfs"))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceLoader found no localfs provider"));
        RemoteStorage storage = provider.create(ProviderConfig.parse("remote_storage",
                Map.of("root", root.resolve("bucket").toString(), "fsync", "false"), provider.configKeys()));
        RemoteResources remote = RemoteResources.withDefaults(
                new RetryingStorage(storage, new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))),
                new RemoteLayout("deployment"));
        LocalEngine engine = LocalEngine.open(root.resolve("node-" + id), EngineOptions.DEFAULT.withRemote(remote));
        NodeServer server = NodeServer.start(engine, Failpoints.disabled(), id, "127.0.0.1", 0, 1 << 20, null);
        Node node = new Node(id, engine, server, remote, StrataClient.connect(URI.create("http://127.0.0.1:" + server.port())));
        nodes.add(node);
        return node;
    }

    @Override
    public void close() throws Exception {
        for (Node node : nodes.reversed()) {
            node.client().close();
            node.server().close();
            node.engine().close();
            node.remote().close();
        }
        nodes.clear();
    }
}
