package dev.strata.core.tiered;

import dev.strata.api.remote.Capability;
import dev.strata.core.remote.RetryingStorage;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * What every timeline's remote client on a node shares: the storage (with core's retries), the bucket layout,
 * the deletion step, the threads that run remote operations and a node-wide bound on how many run at once.
 *
 * @param storage              the configured backend behind core's retries
 * @param layout               where objects live in the bucket
 * @param deletions            the deletion step
 * @param executor             runs remote operations (virtual threads: they block on I/O)
 * @param nodeConcurrency      bounds the remote operations in flight on the node
 * @param maxParallelUploads   layer uploads in flight per timeline
 * @param maxRetryDelay        the longest pause between retries of a queue task (tasks retry until shutdown)
 * @param staleIndexThreshold  an index of an older generation older than this, while a newer one exists,
 *                             fails the attach
 * @param barrierTimeout       how long creating or attaching a timeline, or a clean shutdown, waits for its
 *                             uploads before giving up
 */
public record RemoteResources(RetryingStorage storage, RemoteLayout layout, RemoteDeletions deletions,
                              ExecutorService executor, Semaphore nodeConcurrency, int maxParallelUploads,
                              Duration maxRetryDelay, Duration staleIndexThreshold, Duration barrierTimeout)
        implements AutoCloseable {
    /** Remote operations in flight on a node at most, by default. */
    public static final int DEFAULT_NODE_CONCURRENCY = 32;
    /** Layer uploads in flight per timeline, by default. */
    public static final int DEFAULT_PARALLEL_UPLOADS = 4;

    /**
     * The resources of a node over {@code storage} with the defaults: deletions at once (the node-local
     * control plane), virtual threads, 32 operations in flight, 4 uploads per timeline, retries of queue tasks
     * at most 30 s apart, a stale-index threshold of 14 days, and 60 s for barriers.
     */
    public static RemoteResources withDefaults(RetryingStorage storage, RemoteLayout layout) {
        return new RemoteResources(storage, layout, new ImmediateDeletions(storage),
                java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("strata-remote-", 0).factory()),
                new Semaphore(DEFAULT_NODE_CONCURRENCY), DEFAULT_PARALLEL_UPLOADS, Duration.ofSeconds(30),
                RemoteIndexLoader.DEFAULT_STALE_INDEX_AGE, Duration.ofSeconds(60));
    }

    /** Stops the threads and closes the storage; the engine using them must be closed first. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            storage.storage().close();
        } catch (Exception e) {
            System.getLogger(RemoteResources.class.getName()).log(System.Logger.Level.WARNING,
                    "closing remote storage failed: {0}", e.toString());
        }
    }

    public RemoteResources {
        Objects.requireNonNull(storage, "storage is null");
        Objects.requireNonNull(layout, "layout is null");
        Objects.requireNonNull(deletions, "deletions is null");
        Objects.requireNonNull(executor, "executor is null");
        Objects.requireNonNull(nodeConcurrency, "nodeConcurrency is null");
        Objects.requireNonNull(maxRetryDelay, "maxRetryDelay is null");
        Objects.requireNonNull(staleIndexThreshold, "staleIndexThreshold is null");
        Objects.requireNonNull(barrierTimeout, "barrierTimeout is null");
        if (maxParallelUploads < 1) {
            throw new IllegalArgumentException("max_parallel_uploads must be at least 1, got " + maxParallelUploads);
        }
    }

    /** The same resources with another deletion step (the node's deletion queue). */
    public RemoteResources withDeletions(RemoteDeletions other) {
        return new RemoteResources(storage, layout, other, executor, nodeConcurrency, maxParallelUploads, maxRetryDelay,
                staleIndexThreshold, barrierTimeout);
    }

    /** Whether layers and the first index can be written "only if absent" (INVARIANTS 10). */
    public boolean conditionalPuts() {
        return storage.storage().capabilities().contains(Capability.CONDITIONAL_PUT);
    }
}
