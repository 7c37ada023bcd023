package dev.strata.controller.testing;

import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.client.StrataClient;
import dev.strata.core.controlplane.EmergencyMode;
import dev.strata.core.controlplane.HttpControlPlaneProvider;
import dev.strata.core.deletion.DeletionQueueSettings;
import dev.strata.core.deletion.ImmediateDeletionExecutorProvider;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.NodeServer;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.remote.RetryPolicy;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.tenant.ControlPlaneSetup;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.timeline.TimelineSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Real nodes in this JVM: each a {@link LocalEngine} behind a {@link NodeServer} on a free port, all sharing
 * one bucket in a local directory (the localfs backend, found through ServiceLoader). Closing closes them all.
 *
 * <p>A node starts either without a control plane ({@link #start(long)}: it is its bucket's only writer and
 * deletes at once) or with the {@code http} control plane pointing at a running controller
 * ({@link #start(long, ControllerAccess, NodeTuning)}): registered with the controller, it re-attaches at
 * start, and its deletion queue validates every deletion with the controller. Every node's storage reports
 * deletions to the {@link AuditedStorage.DeleteObserver} given to the constructor.
 */
public final class LocalNodes implements AutoCloseable {
    private final Path root;
    private final AuditedStorage.DeleteObserver deletions;
    private final List<Node> nodes = new ArrayList<>();
    private final Set<Long> registered = new HashSet<>();

    /** One running node. */
    public record Node(long id, LocalEngine engine, NodeServer server, RemoteResources remote, StrataClient client) {
        public URI address() {
            return URI.create("http://127.0.0.1:" + server.port());
        }

        /** A counter of the node's metrics registry (for example {@code strata.deletion.keys.dropped}). */
        public long counter(String name) {
            return engine.metrics().registry().counter(name).getCount();
        }
    }

    /**
     * Where a node finds the controller.
     *
     * @param port      the controller's HTTP port on 127.0.0.1
     * @param tokenFile the file holding the bearer token the controller expects, or null when it expects none
     */
    public record ControllerAccess(int port, Path tokenFile) {
        public URI upcallBase() {
            return URI.create("http://127.0.0.1:" + port + "/upcall/v1");
        }
    }

    /**
     * How a node with a control plane is tuned.
     *
     * @param timeline      the settings every timeline of the node starts with
     * @param deletionQueue how its deletion queue batches (a long idle interval holds deletions until a flush)
     */
    public record NodeTuning(TimelineSettings timeline, DeletionQueueSettings deletionQueue) {
        public static final NodeTuning DEFAULT = new NodeTuning(TimelineSettings.DEFAULT, DeletionQueueSettings.DEFAULT);

        public NodeTuning {
            Objects.requireNonNull(timeline, "timeline is null");
            Objects.requireNonNull(deletionQueue, "deletionQueue is null");
        }
    }

    public LocalNodes(Path root) {
        this(root, AuditedStorage.DeleteObserver.NONE);
    }

    public LocalNodes(Path root, AuditedStorage.DeleteObserver deletions) {
        this.root = Objects.requireNonNull(root, "root is null");
        this.deletions = Objects.requireNonNull(deletions, "deletions is null");
    }

    /** The directory of the bucket every node shares. */
    public Path bucket() {
        return root.resolve("bucket");
    }

    /** Starts node {@code id} with its work directory under the root and the shared bucket, without a control plane. */
    public Node start(long id) throws Exception {
        RemoteResources remote = remote(id);
        LocalEngine engine;
        try {
            engine = LocalEngine.open(workdir(id), EngineOptions.DEFAULT.withRemote(remote));
        } catch (Exception e) {
            remote.close();
            throw e;
        }
        return serve(id, engine, remote);
    }

    /**
     * Starts node {@code id} with the {@code http} control plane of the controller at {@code controller}:
     * registers the node there (with a placeholder address until its server listens, then the real one), opens
     * the engine (which re-attaches through the controller and recovers its deletion queue) and serves it.
     * Starting an id again after {@link #stop} is a restart on the same work directory.
     */
    public Node start(long id, ControllerAccess controller, NodeTuning tuning) throws Exception {
        String token = controller.tokenFile() == null ? null : Files.readString(controller.tokenFile()).strip();
        if (registered.add(id)) {
            register(controller, token, id, URI.create("http://127.0.0.1:1"));
        }
        RemoteResources remote = remote(id);
        ControlPlane controlPlane = null;
        DeletionExecutor executor = null;
        LocalEngine engine;
        try {
            ControlPlaneProvider provider = new HttpControlPlaneProvider();
            Map<String, String> settings = new HashMap<>(Map.of("url", controller.upcallBase().toString(),
                    "request_timeout", "10s", "max_retry_delay", "200ms"));
            if (controller.tokenFile() != null) {
                settings.put("token_file", controller.tokenFile().toAbsolutePath().toString());
            }
            controlPlane = provider.create(ProviderConfig.parse("control_plane", settings, provider.configKeys()), workdir(id));
            DeletionExecutorProvider executors = new ImmediateDeletionExecutorProvider();
            executor = executors.create(ProviderConfig.parse("deletion", Map.of(), executors.configKeys()),
                    remote.storage().storage());
            EngineOptions options = EngineOptions.DEFAULT.withTimelineSettings(tuning.timeline()).withRemote(remote);
            engine = LocalEngine.open(workdir(id), options, new NodeMetrics(),
                    new ControlPlaneSetup(controlPlane, id, EmergencyMode.OFF, executor, tuning.deletionQueue()));
            engine.closeAfterwards(executor);
            engine.closeAfterwards(controlPlane);
        } catch (Exception e) {
            if (controlPlane != null) {
                controlPlane.close();
            }
            remote.close();
            throw e;
        }
        Node node = serve(id, engine, remote);
        register(controller, token, id, node.address());
        return node;
    }

    /** Stops one node as a clean shutdown does (uploads drained, deletion queue persisted). */
    public void stop(Node node) throws Exception {
        nodes.remove(node);
        close(node);
    }

    private Path workdir(long id) {
        return root.resolve("node-" + id);
    }

    private RemoteResources remote(long id) throws Exception {
        RemoteStorage storage = new AuditedStorage(SharedBucket.openLocalfs(bucket()), id, deletions);
        return RemoteResources.withDefaults(
                new RetryingStorage(storage, new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))),
                SharedBucket.LAYOUT);
    }

    private Node serve(long id, LocalEngine engine, RemoteResources remote) throws Exception {
        NodeServer server;
        try {
            server = NodeServer.start(engine, Failpoints.disabled(), id, "127.0.0.1", 0, 1 << 20, null);
        } catch (Exception e) {
            engine.close();
            remote.close();
            throw e;
        }
        Node node = new Node(id, engine, server, remote, StrataClient.connect(URI.create("http://127.0.0.1:" + server.port())));
        nodes.add(node);
        return node;
    }

    private static void register(ControllerAccess controller, String token, long id, URI address) throws Exception {
        try (ControllerHttp http = new ControllerHttp(controller.port(), token)) {
            ControllerHttp.Answer answer = http.post("/control/v1/node",
                    "{\"node_id\":" + id + ",\"address\":\"" + address + "\"}");
            if (answer.status() != 200) {
                throw new IllegalStateException("registering node " + id + " at " + address + " with the controller: "
                        + answer.status() + " " + answer.body());
            }
        }
    }

    private static void close(Node node) throws Exception {
        node.client().close();
        node.server().close();
        node.engine().close();
        node.remote().close();
    }

    @Override
    public void close() throws Exception {
        for (Node node : nodes.reversed()) {
            close(node);
        }
        nodes.clear();
    }
}
