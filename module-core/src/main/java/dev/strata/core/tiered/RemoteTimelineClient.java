package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.InvalidIndexException;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.metrics.UploadTotals;
import dev.strata.core.remote.ContentSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One timeline's link to remote storage: runs its {@link UploadQueue} (layer uploads, index uploads, deletions,
 * barriers) and downloads its layers on demand.
 *
 * <p>Scheduling never blocks on I/O, so callers may schedule while holding the timeline's layer lock
 * (INVARIANTS 8). Queue tasks retry with backoff until they succeed or the client shuts down: a failure of the
 * bucket delays uploads, it never drops one. Layers are written "only if absent" where the backend can
 * (INVARIANTS 10); an existing object of the same size is taken as our own earlier attempt.
 *
 * <p>{@code remote_consistent_lsn} is <em>projected</em> when an index upload finishes and <em>visible</em>
 * once the deletion step ({@link RemoteDeletions#remoteConsistentLsnProjected}) confirms its generation is
 * current: at once for a node that is its bucket's only writer, after the deletion queue's validation otherwise.
 */
public final class RemoteTimelineClient {
    public static final String FAILPOINT_BEFORE_LAYER_UPLOAD = "remote-before-layer-upload";
    public static final String FAILPOINT_BEFORE_INDEX_UPLOAD = "remote-before-index-upload";
    public static final String FAILPOINT_BEFORE_DELETE = "remote-before-delete";
    public static final String FAILPOINT_DURING_DOWNLOAD = LayerDownload.FAILPOINT_DURING_DOWNLOAD;
    public static final String TEMP_DOWNLOAD_SUFFIX = LayerDownload.TEMP_DOWNLOAD_SUFFIX;
    private static final System.Logger LOG = System.getLogger(RemoteTimelineClient.class.getName());
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(50);

    /** Told when remote state advances. Called from the client's threads, without its lock held. */
    public interface Listener {
        /**
         * An index upload finished (the bucket now holds {@code index}), or the visible remote-consistent LSN
         * advanced (then {@code index} is the last uploaded one).
         */
        void indexUploaded(IndexPart index);
    }

    private final TenantId tenantId;
    private final TimelineId timelineId;
    private final Generation generation;
    private final Path directory;
    private final RemoteResources remote;
    private final Failpoints failpoints;
    private final Listener listener;
    private final CancellationSource cancellation = new CancellationSource();
    private final ReentrantLock lock = new ReentrantLock();
    private final UploadQueue queue;
    private final Map<Object, CompletableFuture<Void>> barriers = new HashMap<>();
    private final Map<LayerFileName, List<Runnable>> afterUpload = new HashMap<>();
    private final Map<Long, Future<?>> running = new HashMap<>();
    private volatile Lsn projectedLsn;
    private volatile Lsn visibleLsn;
    private volatile boolean stopped;

    /**
     * @param uploaded the index the bucket holds for this timeline now (loaded at attach, or just uploaded)
     */
    public RemoteTimelineClient(TenantId tenantId, TimelineId timelineId, Generation generation, Path directory,
                                RemoteResources remote, Failpoints failpoints, IndexPart uploaded, Listener listener) {
        this.tenantId = Objects.requireNonNull(tenantId, "tenantId is null");
        this.timelineId = Objects.requireNonNull(timelineId, "timelineId is null");
        this.generation = Objects.requireNonNull(generation, "generation is null");
        this.directory = Objects.requireNonNull(directory, "directory is null");
        this.remote = Objects.requireNonNull(remote, "remote is null");
        this.failpoints = Objects.requireNonNull(failpoints, "failpoints is null");
        this.listener = Objects.requireNonNull(listener, "listener is null");
        this.queue = new UploadQueue(uploaded, remote.maxParallelUploads());
        this.projectedLsn = uploaded.diskConsistentLsn();
        this.visibleLsn = uploaded.diskConsistentLsn();
    }

    // ---------------------------------------------------------------------------------------------------
    // Scheduling (non-blocking)

    /** Schedules the upload of a layer file in the timeline directory. */
    public void scheduleLayerUpload(LayerFileName layer, LayerMetadata metadata) {
        schedule(() -> queue.scheduleLayerUpload(layer, metadata));
    }

    /** Schedules an upload of {@code index}; every layer it lists must be uploaded or scheduled. */
    public void scheduleIndexUpload(IndexPart index) {
        schedule(() -> queue.scheduleIndexUpload(index));
    }

    /** Schedules the deletion of layer objects that the last scheduled index no longer lists. */
    public void scheduleDeletion(Collection<LayerFileName> layers) {
        if (!layers.isEmpty()) {
            schedule(() -> queue.scheduleDeletion(layers));
        }
    }

    /**
     * Runs {@code action} once no upload of {@code layer} is pending: at once if none is, otherwise on the
     * client's thread after the upload finishes. Used to delete a replaced layer's local file only after the
     * upload that reads it.
     */
    public void whenUploaded(LayerFileName layer, Runnable action) {
        lock.lock();
        try {
            if (queue.uploadPending(layer)) {
                afterUpload.computeIfAbsent(layer, ignored -> new ArrayList<>()).add(action);
                return;
            }
        } finally {
            lock.unlock();
        }
        action.run();
    }

    /** Whether an upload of {@code layer} is queued or in flight (such a layer must stay on disk). */
    public boolean uploadPending(LayerFileName layer) {
        lock.lock();
        try {
            return queue.uploadPending(layer);
        } finally {
            lock.unlock();
        }
    }

    private void schedule(java.util.function.Supplier<Long> action) {
        List<CompletableFuture<Void>> due;
        lock.lock();
        try {
            if (stopped) {
                throw new IllegalStateException("remote client of timeline " + timelineId + " is shut down");
            }
            action.get();
            due = launch();
        } finally {
            lock.unlock();
        }
        due.forEach(future -> future.complete(null));
    }

    /**
     * Waits until everything scheduled before the call has finished (INVARIANTS 13: before local data of a
     * timeline goes, and before anything that needs the remote state settled).
     *
     * @throws IOException when the client shuts down first, or the wait is interrupted or times out
     */
    public void waitCompletion(Duration timeout) throws IOException {
        Object token = new Object();
        CompletableFuture<Void> done = new CompletableFuture<>();
        List<CompletableFuture<Void>> due;
        lock.lock();
        try {
            if (stopped) {
                throw new IOException("remote client of timeline " + timelineId + " is shut down");
            }
            barriers.put(token, done);
            queue.scheduleBarrier(token);
            due = launch();
        } finally {
            lock.unlock();
        }
        due.forEach(future -> future.complete(null));
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for uploads of timeline " + timelineId, e);
        } catch (ExecutionException e) {
            throw new IOException("uploads of timeline " + timelineId + " did not finish: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("uploads of timeline " + timelineId + " did not finish within " + timeout
                    + " (" + queueDescription() + ")");
        }
    }

    /** Starts what may start; returns the barriers that are due, to be completed after the lock is released. */
    private List<CompletableFuture<Void>> launch() {
        List<CompletableFuture<Void>> due = new ArrayList<>();
        if (stopped) {
            return due;
        }
        boolean again = true;
        while (again) {
            again = false;
            for (UploadQueue.Task task : queue.startReady()) {
                if (task.op() instanceof UploadQueue.Barrier(Object token)) {
                    queue.finished(task.sequence());
                    CompletableFuture<Void> future = barriers.remove(token);
                    if (future != null) {
                        due.add(future);
                    }
                    // A finished barrier may free operations behind it.
                    again = true;
                } else {
                    running.put(task.sequence(), remote.executor().submit(() -> run(task)));
                }
            }
        }
        return due;
    }

    // ---------------------------------------------------------------------------------------------------
    // Running tasks

    private void run(UploadQueue.Task task) {
        Duration delay = FIRST_RETRY_DELAY;
        int attempt = 0;
        while (!stopped) {
            attempt++;
            try {
                remote.nodeConcurrency().acquire();
                try {
                    execute(task.op());
                } finally {
                    remote.nodeConcurrency().release();
                }
                finish(task);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (stopped) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1} generation {2}: {3} failed (attempt {4}), retrying in {5} ms: {6}",
                        tenantId, timelineId, generation, describe(task.op()), attempt, delay.toMillis(), e.toString());
                try {
                    Thread.sleep(delay.toMillis() / 2 + ThreadLocalRandom.current().nextLong(delay.toMillis() / 2 + 1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                delay = delay.multipliedBy(2).compareTo(remote.maxRetryDelay()) > 0 ? remote.maxRetryDelay() : delay.multipliedBy(2);
            }
        }
    }

    private void finish(UploadQueue.Task task) {
        List<Runnable> callbacks = List.of();
        List<CompletableFuture<Void>> due;
        IndexPart uploaded = null;
        lock.lock();
        try {
            running.remove(task.sequence());
            queue.finished(task.sequence());
            switch (task.op()) {
                case UploadQueue.UploadIndex(IndexPart index) -> {
                    uploaded = index;
                    // Before any barrier behind this upload completes, so its waiters see the new LSNs.
                    projectedLsn = index.diskConsistentLsn();
                    // Visible only once the generation is validated: at once (on this thread, so barriers behind
                    // the upload see it) for a node that is its bucket's only writer, later through the queue.
                    remote.deletions().remoteConsistentLsnProjected(tenantId, timelineId, generation,
                            index.diskConsistentLsn(), this::makeVisible);
                }
                case UploadQueue.UploadLayer(LayerFileName layer, LayerMetadata ignored) -> {
                    if (!queue.uploadPending(layer)) {
                        List<Runnable> waiting = afterUpload.remove(layer);
                        callbacks = waiting == null ? List.of() : waiting;
                    }
                }
                case UploadQueue.Delete ignored -> { }
                case UploadQueue.Barrier ignored -> { }
            }
            due = launch();
        } finally {
            lock.unlock();
        }
        due.forEach(future -> future.complete(null));
        for (Runnable callback : callbacks) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: action after upload failed: {2}",
                        tenantId, timelineId, e.toString());
            }
        }
        if (uploaded != null) {
            listener.indexUploaded(uploaded);
        }
    }

    /**
     * The deletion step validated {@code lsn}: it becomes visible (never moving back). Called from another
     * thread, the listener is told so that the timeline trims its WAL; within {@link #finish} it is told anyway.
     */
    private void makeVisible(Lsn lsn) {
        boolean fromFinish = lock.isHeldByCurrentThread();
        lock.lock();
        try {
            if (!lsn.isAfter(visibleLsn)) {
                return;
            }
            visibleLsn = lsn;
        } finally {
            lock.unlock();
        }
        if (!fromFinish && !stopped) {
            listener.indexUploaded(cleanIndex());
        }
    }

    private void execute(UploadQueue.Op op) throws IOException {
        CallContext context = new CallContext(cancellation, Deadline.NONE);
        switch (op) {
            case UploadQueue.UploadLayer(LayerFileName layer, LayerMetadata metadata) -> {
                failpoints.hit(FAILPOINT_BEFORE_LAYER_UPLOAD);
                Path file = directory.resolve(layer.localFileName());
                long size = Files.size(file);
                if (size != metadata.fileSize()) {
                    throw new IOException("layer file " + file + " has " + size + " bytes, the index says " + metadata.fileSize());
                }
                putOnce(remote.layout().layerKey(tenantId, timelineId, layer), ContentSource.of(file), size, context);
            }
            case UploadQueue.UploadIndex(IndexPart index) -> {
                failpoints.hit(FAILPOINT_BEFORE_INDEX_UPLOAD);
                uploadIndex(index, context);
            }
            case UploadQueue.Delete(List<LayerFileName> layers) -> {
                failpoints.hit(FAILPOINT_BEFORE_DELETE);
                List<String> keys = layers.stream().map(layer -> remote.layout().layerKey(tenantId, timelineId, layer)).toList();
                remote.deletions().delete(tenantId, timelineId, generation, keys);
            }
            case UploadQueue.Barrier ignored -> throw new IllegalStateException("barriers are completed, not executed");
        }
    }

    /**
     * Puts an object that must be written once: "only if absent" where the backend can. An object that already
     * exists with the expected size is our own earlier attempt whose answer was lost; any other is a conflict
     * that must not be overwritten.
     */
    private void putOnce(String key, ContentSource content, long size, CallContext context) throws IOException {
        if (!remote.conditionalPuts()) {
            remote.storage().put(key, content, size, PutOptions.DEFAULT, context);
            return;
        }
        try {
            remote.storage().put(key, content, size, PutOptions.IF_ABSENT, context);
        } catch (RemoteStorageException.AlreadyExists e) {
            ObjectMetadata existing = remote.storage().head(key, context);
            if (existing.size() != size) {
                throw new IOException("object " + key + " already exists with " + existing.size() + " bytes, expected "
                        + size + "; refusing to overwrite it", e);
            }
        }
    }

    /** Validates and uploads {@code index} under this attachment's generation, synchronously. */
    public void uploadIndex(IndexPart index, CallContext context) throws IOException {
        try {
            index.validate();
        } catch (InvalidIndexException e) {
            throw new IllegalStateException("refusing to upload an invalid index for timeline " + timelineId + ": "
                    + e.getMessage(), e);
        }
        byte[] json = index.toJson();
        remote.storage().put(remote.layout().indexKey(tenantId, timelineId, generation), ContentSource.of(json),
                json.length, PutOptions.DEFAULT, context);
    }

    // ---------------------------------------------------------------------------------------------------
    // Downloads

    /**
     * Downloads a layer listed in the index to its local file ({@link LayerDownload}): checked against the
     * index's size, renamed into place without replacing. The object is named by the generation in the index
     * entry, never by this attachment's.
     *
     * @return the local file
     * @throws IOException when the object is missing or of another size, or on an I/O error; no temp file is
     *                     left behind
     */
    public Path download(LayerFileName layer, long expectedSize) throws IOException {
        return LayerDownload.download(remote, tenantId, timelineId, directory, layer, expectedSize, failpoints, cancellation);
    }

    // ---------------------------------------------------------------------------------------------------
    // State and shutdown

    /** The disk-consistent LSN of the last uploaded index. */
    public Lsn projectedRemoteConsistentLsn() {
        return projectedLsn;
    }

    /** The remote-consistent LSN confirmed by the control plane: WAL below it may be trimmed. */
    public Lsn visibleRemoteConsistentLsn() {
        return visibleLsn;
    }

    /** The index that will be in the bucket once the queue drains. */
    public IndexPart dirtyIndex() {
        lock.lock();
        try {
            return queue.dirty();
        } finally {
            lock.unlock();
        }
    }

    /** The last index uploaded. */
    public IndexPart cleanIndex() {
        lock.lock();
        try {
            return queue.clean();
        } finally {
            lock.unlock();
        }
    }

    /** Operations queued or in flight. */
    public int pendingOperations() {
        lock.lock();
        try {
            return queue.queuedCount() + queue.inFlightCount();
        } finally {
            lock.unlock();
        }
    }

    /** The queue's state for the node's gauges. */
    public UploadTotals uploadTotals() {
        lock.lock();
        try {
            return new UploadTotals(queue.queuedCount(), queue.inFlightCount(), queue.pendingLayerBytes());
        } finally {
            lock.unlock();
        }
    }

    private String queueDescription() {
        lock.lock();
        try {
            return queue.queuedCount() + " queued, " + queue.inFlightCount() + " in flight";
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the client. With {@code drain}, first waits up to {@code timeout} for everything scheduled to finish;
     * then cancels what is still running and drops what is queued (a restart re-creates it from the index and
     * the WAL). Waiters on barriers are failed.
     */
    public void shutdown(boolean drain, Duration timeout) throws IOException {
        IOException drainFailure = null;
        if (drain) {
            try {
                waitCompletion(timeout);
            } catch (IOException e) {
                drainFailure = e;
            }
        }
        List<Future<?>> inFlight;
        List<CompletableFuture<Void>> waiting;
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            stopped = true;
            queue.dropQueued();
            inFlight = new ArrayList<>(running.values());
            waiting = new ArrayList<>(barriers.values());
            barriers.clear();
            afterUpload.clear();
        } finally {
            lock.unlock();
        }
        cancellation.cancel();
        inFlight.forEach(future -> future.cancel(true));
        IOException stoppedException = new IOException("remote client of timeline " + timelineId + " shut down");
        waiting.forEach(future -> future.completeExceptionally(stoppedException));
        if (drainFailure != null) {
            throw drainFailure;
        }
    }

    private static String describe(UploadQueue.Op op) {
        return switch (op) {
            case UploadQueue.UploadLayer(LayerFileName layer, LayerMetadata ignored) -> "upload of layer " + layer.remoteObjectName();
            case UploadQueue.UploadIndex(IndexPart index) -> "upload of the index at " + index.diskConsistentLsn();
            case UploadQueue.Delete(List<LayerFileName> layers) -> "deletion of " + layers.size() + " layers";
            case UploadQueue.Barrier ignored -> "barrier";
        };
    }

    public Generation generation() {
        return generation;
    }

    /** How long creation, attach and a clean shutdown wait for uploads. */
    public Duration barrierTimeout() {
        return remote.barrierTimeout();
    }

    @Override
    public String toString() {
        return "RemoteTimelineClient[" + tenantId + "/" + timelineId + ", generation " + generation + "]";
    }
}
