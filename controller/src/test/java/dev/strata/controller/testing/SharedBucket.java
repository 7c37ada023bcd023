package dev.strata.controller.testing;

import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.remote.RetryPolicy;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.scrub.GarbageReport;
import dev.strata.core.scrub.MetadataReport;
import dev.strata.core.scrub.Scrubber;
import dev.strata.core.tiered.RemoteLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The bucket that nodes of a test share (a local directory behind the localfs backend), read directly, with
 * no node involved: layer objects, the newest index of a timeline, the scrubber's reports, and a guard that
 * records every deletion of an object the newest index references at the moment of the deletion.
 */
public final class SharedBucket implements AutoCloseable {
    /** The prefix every node of the tests writes under. */
    public static final RemoteLayout LAYOUT = new RemoteLayout("deployment");

    private final Path root;
    private final RetryingStorage storage;
    private final List<String> violations = new CopyOnWriteArrayList<>();

    /** The newest index of a timeline: its key, generation, contents and the keys of the layers it lists. */
    public record NewestIndex(String key, Generation generation, IndexPart index, Set<String> layerKeys) {}

    public SharedBucket(Path root) throws IOException {
        this.root = root;
        this.storage = new RetryingStorage(openLocalfs(root), new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5)));
    }

    /** A new localfs storage on {@code root} (found through ServiceLoader, as a node finds it). */
    static RemoteStorage openLocalfs(Path root) throws IOException {
        RemoteStorageProvider provider = ServiceLoader.load(RemoteStorageProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("localfs"))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceLoader found no localfs provider"));
        return provider.create(ProviderConfig.parse("remote_storage",
                Map.of("root", root.toString(), "fsync", "false"), provider.configKeys()));
    }

    public Path root() {
        return root;
    }

    /** Every layer object of a timeline in the bucket, of every generation. */
    public Set<String> layerKeys(TenantId tenant, TimelineId timeline) throws IOException {
        String prefix = LAYOUT.timelinePrefix(tenant, timeline);
        Set<String> keys = new TreeSet<>();
        for (ObjectMetadata object : storage.listAll(prefix, CallContext.NONE)) {
            String name = object.key().substring(prefix.length());
            if (!name.contains("/") && RemoteLayout.indexGeneration(object.key()).isEmpty() && isLayerName(name)) {
                keys.add(object.key());
            }
        }
        return keys;
    }

    /** The index of the highest generation of a timeline, or empty when it has none. */
    public Optional<NewestIndex> newestIndex(TenantId tenant, TimelineId timeline) throws IOException {
        String newestKey = null;
        Generation newest = null;
        for (ObjectMetadata object : storage.listAll(LAYOUT.indexPrefix(tenant, timeline), CallContext.NONE)) {
            Optional<Generation> generation = RemoteLayout.indexGeneration(object.key());
            if (generation.isPresent() && (newest == null || generation.get().compareTo(newest) > 0)) {
                newest = generation.get();
                newestKey = object.key();
            }
        }
        if (newestKey == null) {
            return Optional.empty();
        }
        IndexPart index;
        try (ObjectContent content = storage.get(newestKey, ByteRange.WHOLE, Optional.empty(), CallContext.NONE)) {
            index = IndexPart.parse(content.readAllBytes());
        } catch (dev.strata.core.index.InvalidIndexException e) {
            throw new IOException("index " + newestKey + " does not parse: " + e.getMessage(), e);
        }
        Set<String> layers = new TreeSet<>();
        for (Map.Entry<LayerName, LayerMetadata> entry : index.layers().entrySet()) {
            layers.add(LAYOUT.layerKey(tenant, timeline, new LayerFileName(entry.getKey(), entry.getValue().generation())));
        }
        return Optional.of(new NewestIndex(newestKey, newest, index, layers));
    }

    /** The scrubber's {@code scan-metadata} of the whole bucket. */
    public MetadataReport scanMetadata() throws IOException {
        return new Scrubber(storage, LAYOUT, Clock.systemUTC()).scanMetadata((done, total, tenant, timeline) -> { });
    }

    /** The scrubber's {@code find-garbage} with no minimum age: every object no index needs (leaks). */
    public GarbageReport findGarbage() throws IOException {
        return new Scrubber(storage, LAYOUT, Clock.systemUTC()).findGarbage(Duration.ZERO, (done, total, tenant, timeline) -> { });
    }

    /**
     * An observer for {@link AuditedStorage} that, before each deletion of a layer object, reads the newest
     * index of the layer's timeline and records a violation if that index lists the object.
     */
    public AuditedStorage.DeleteObserver referencedDeletionGuard() {
        return (nodeId, key) -> {
            String tenants = LAYOUT.tenantsPrefix();
            if (!key.startsWith(tenants)) {
                return;
            }
            String[] parts = key.substring(tenants.length()).split("/");
            if (parts.length != 4 || !parts[1].equals("timelines") || !isLayerName(parts[3])) {
                return;
            }
            // On a thread of its own: the node's thread may be interrupted (a queue closing), which would cancel
            // the guard's reads, not only the node's delete.
            Thread check = Thread.ofVirtual().start(() -> {
                try {
                    Optional<NewestIndex> newest = newestIndex(TenantId.parse(parts[0]), TimelineId.parse(parts[2]));
                    if (newest.isPresent() && newest.get().layerKeys().contains(key)) {
                        violations.add("node " + nodeId + " deleted " + key + ", which the newest index "
                                + newest.get().key() + " references");
                    }
                } catch (IOException | RuntimeException e) {
                    violations.add("node " + nodeId + " deleted " + key + " and the guard could not read the newest index: " + e);
                }
            });
            joinUninterruptibly(check);
        };
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** What {@link #referencedDeletionGuard()} found so far; empty when every deletion was safe. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    private static boolean isLayerName(String name) {
        try {
            LayerFileName.parse(name);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        storage.storage().close();
    }
}
