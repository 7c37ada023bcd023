package dev.strata.core.testing;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.remote.RetryPolicy;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.remote.Sleeper;
import dev.strata.core.tiered.ImmediateDeletions;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.testkit.FaultInjectingRemoteStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * A bucket in a local directory (the localfs backend, found through ServiceLoader) behind the fault injector,
 * with the remote resources an engine needs. Each {@link #resources} call gives a node its own threads; close
 * them with the engine. Several engines (nodes) may share one bucket.
 */
public final class LocalBucket implements AutoCloseable {
    private final FaultInjectingRemoteStorage storage;
    private final RetryingStorage retrying;
    private final RemoteLayout layout = new RemoteLayout("deployment");
    private final List<ExecutorService> executors = new java.util.concurrent.CopyOnWriteArrayList<>();

    public LocalBucket(Path root, long seed) throws RemoteStorageException {
        RemoteStorageProvider provider = ServiceLoader.load(RemoteStorageProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("localfs"))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceLoader found no localfs provider"));
        RemoteStorage localfs = provider.create(ProviderConfig.parse("remote_storage",
                Map.of("root", root.toString(), "fsync", "false"), provider.configKeys()));
        storage = new FaultInjectingRemoteStorage(localfs, FaultInjectingRemoteStorage.Faults.NONE, seed);
        retrying = new RetryingStorage(storage, new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5)),
                Sleeper.REAL, new Random(seed), event -> { });
    }

    /** Resources for one node, with a short barrier timeout so failing tests fail fast. */
    public RemoteResources resources(Duration barrierTimeout) {
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        executors.add(executor);
        return new RemoteResources(retrying, layout, new ImmediateDeletions(retrying), executor, new Semaphore(16), 4,
                Duration.ofMillis(200), Duration.ofDays(14), barrierTimeout);
    }

    public RemoteResources resources() {
        return resources(Duration.ofSeconds(30));
    }

    /** The bucket behind core's retries, as a node uses it. */
    public RetryingStorage storage() {
        return retrying;
    }

    public FaultInjectingRemoteStorage faults() {
        return storage;
    }

    public RemoteLayout layout() {
        return layout;
    }

    /** Every key in the bucket under {@code prefix}. */
    public List<String> keys(String prefix) throws RemoteStorageException {
        return retrying.listAll(prefix, CallContext.NONE).stream().map(ObjectMetadata::key).toList();
    }

    /** The bytes of an object. */
    public byte[] read(String key) throws java.io.IOException {
        try (dev.strata.api.remote.ObjectContent content = retrying.get(key, dev.strata.api.remote.ByteRange.WHOLE,
                java.util.Optional.empty(), CallContext.NONE)) {
            return content.readAllBytes();
        }
    }

    @Override
    public void close() {
        executors.forEach(ExecutorService::shutdownNow);
        storage.close();
    }
}
