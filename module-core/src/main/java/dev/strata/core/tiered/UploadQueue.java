package dev.strata.core.tiered;

import dev.strata.api.LayerFileName;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.LayerMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The scheduling state of one timeline's changes to remote storage: which operations are queued, which are in
 * flight, which may start now. It does no I/O and is not thread-safe; {@link RemoteTimelineClient} calls it
 * under its own lock and runs the operations it hands out.
 *
 * <h2>Ordering (INVARIANTS 7 and 9)</h2>
 * Operations are numbered in the order they are scheduled. An operation may start ahead of an earlier one that
 * has not finished only when they touch different remote paths and no earlier index (in flight or queued)
 * references a path the operation touches:
 * <ul>
 *   <li>a layer upload waits for an earlier upload or deletion of the same object, and for an earlier index
 *       that references it;</li>
 *   <li>an index upload waits for every earlier index upload (indexes never reorder), for every earlier layer
 *       upload or deletion it references, and for every earlier barrier;</li>
 *   <li>a deletion waits for every earlier operation on the same objects, every earlier index that
 *       references them, and until the uploaded (clean) index no longer lists them, so it never overtakes the
 *       index that stopped referencing them, nor a re-upload;</li>
 *   <li>a barrier waits for everything scheduled before it.</li>
 * </ul>
 * Queued index uploads coalesce: scheduling an index while the newest queued operation is an index upload that
 * has not started replaces it in place; otherwise every queued index upload scheduled after the newest queued
 * barrier or deletion is dropped and the new index is added at the end (it lists everything they listed, and it
 * waits for every layer upload scheduled before it). A timeline that flushes faster than its uploads finish so
 * uploads one index per batch of layers, not one per layer. Indexes are never dropped across a barrier (its
 * waiter expects them uploaded) nor across a deletion (the deletion may wait for exactly that index). Layer
 * uploads in flight are bounded by {@code maxParallelUploads}.
 *
 * <p>{@link #startReady} walks the unfinished operations once in schedule order, carrying what the earlier ones
 * touch, so a queue of n operations costs O(n) per call rather than O(n²).
 *
 * <h2>Dirty and clean index</h2>
 * The <em>dirty</em> index is the newest one scheduled (what the bucket will hold once the queue drains); the
 * <em>clean</em> index is the last one whose upload finished. A deletion may only be scheduled for objects the
 * dirty index no longer lists.
 */
final class UploadQueue {
    /** One change to remote storage. */
    sealed interface Op permits UploadLayer, UploadIndex, Delete, Barrier {}

    /** Uploads a local layer file to its remote object. */
    record UploadLayer(LayerFileName layer, LayerMetadata metadata) implements Op {
        UploadLayer {
            Objects.requireNonNull(layer, "layer is null");
            Objects.requireNonNull(metadata, "metadata is null");
        }
    }

    /** Uploads the index under this attachment's generation. */
    record UploadIndex(IndexPart index) implements Op {
        UploadIndex {
            Objects.requireNonNull(index, "index is null");
        }
    }

    /** Deletes layer objects that no index references any more (handed to the deletion step). */
    record Delete(List<LayerFileName> layers) implements Op {
        Delete {
            layers = List.copyOf(layers);
        }
    }

    /** Completes when everything scheduled before it has finished. */
    record Barrier(Object token) implements Op {}

    /** An operation with its place in the schedule. */
    record Task(long sequence, Op op) {}

    private final int maxParallelUploads;
    /** Not yet started, in schedule order. */
    private final TreeMap<Long, Op> queued = new TreeMap<>();
    /** Started and not finished. */
    private final TreeMap<Long, Op> inFlight = new TreeMap<>();
    /** Layers in the bucket, or certain to be once the queue drains without a deletion of them. */
    private final Set<LayerFileName> remoteLayers = new HashSet<>();
    private long nextSequence = 1;
    private IndexPart dirty;
    private IndexPart clean;

    /**
     * @param uploaded the index already in remote storage (it becomes both the clean and the dirty index)
     */
    UploadQueue(IndexPart uploaded, int maxParallelUploads) {
        if (maxParallelUploads < 1) {
            throw new IllegalArgumentException("maxParallelUploads must be at least 1, got " + maxParallelUploads);
        }
        this.clean = Objects.requireNonNull(uploaded, "uploaded is null");
        this.dirty = uploaded;
        uploaded.layers().forEach((name, metadata) -> remoteLayers.add(new LayerFileName(name, metadata.generation())));
        this.maxParallelUploads = maxParallelUploads;
    }

    /** Schedules the upload of a layer; the index that lists it must be scheduled after. */
    long scheduleLayerUpload(LayerFileName layer, LayerMetadata metadata) {
        return add(new UploadLayer(layer, metadata));
    }

    /**
     * Schedules an upload of {@code index}, which becomes the dirty index. Every layer it lists must be in the
     * clean index or have an upload scheduled.
     *
     * @throws IllegalStateException when it lists a layer that is neither uploaded nor scheduled for upload
     */
    long scheduleIndexUpload(IndexPart index) {
        Objects.requireNonNull(index, "index is null");
        for (Map.Entry<dev.strata.api.LayerName, LayerMetadata> entry : index.layers().entrySet()) {
            LayerFileName layer = new LayerFileName(entry.getKey(), entry.getValue().generation());
            if (!isUploadedOrScheduled(layer)) {
                throw new IllegalStateException("index lists layer " + layer.remoteObjectName()
                        + ", which is neither uploaded nor scheduled for upload");
            }
        }
        dirty = index;
        Map.Entry<Long, Op> newest = queued.lastEntry();
        if (newest != null && newest.getValue() instanceof UploadIndex && newest.getKey() == nextSequence - 1) {
            queued.put(newest.getKey(), new UploadIndex(index));
            return newest.getKey();
        }
        // Drop the queued indexes this one supersedes, back to the newest barrier or deletion.
        Iterator<Map.Entry<Long, Op>> newestFirst = queued.descendingMap().entrySet().iterator();
        while (newestFirst.hasNext()) {
            Op op = newestFirst.next().getValue();
            if (op instanceof Barrier || op instanceof Delete) {
                break;
            }
            if (op instanceof UploadIndex) {
                newestFirst.remove();
            }
        }
        return add(new UploadIndex(index));
    }

    /**
     * Schedules the deletion of layer objects.
     *
     * @throws IllegalStateException when the dirty index still lists one of them
     */
    long scheduleDeletion(Collection<LayerFileName> layers) {
        for (LayerFileName layer : layers) {
            if (references(dirty, layer)) {
                throw new IllegalStateException("deletion of " + layer.remoteObjectName()
                        + " scheduled while the index to be uploaded still lists it");
            }
        }
        remoteLayers.removeAll(layers);
        return add(new Delete(List.copyOf(layers)));
    }

    /** Schedules a barrier; {@code token} identifies it when it completes. */
    long scheduleBarrier(Object token) {
        return add(new Barrier(token));
    }

    private long add(Op op) {
        long sequence = nextSequence++;
        queued.put(sequence, op);
        return sequence;
    }

    /**
     * Moves every operation that may start now from the queue to in flight and returns them in schedule order.
     * Barriers that are due are returned too (they need no work: the caller completes them and calls
     * {@link #finished}).
     */
    List<Task> startReady() {
        List<Task> ready = new ArrayList<>();
        int layerUploads = 0;
        for (Op op : inFlight.values()) {
            if (op instanceof UploadLayer) {
                layerUploads++;
            }
        }
        Earlier earlier = new Earlier();
        List<Task> started = new ArrayList<>(inFlight.size());
        inFlight.forEach((sequence, op) -> started.add(new Task(sequence, op)));
        Iterator<Task> running = started.iterator();
        Task nextRunning = running.hasNext() ? running.next() : null;
        List<Task> waiting = new ArrayList<>(queued.size());
        queued.forEach((sequence, op) -> waiting.add(new Task(sequence, op)));
        for (Task task : waiting) {
            long sequence = task.sequence();
            Op op = task.op();
            // Operations in flight that were scheduled before this one count as earlier and unfinished.
            while (nextRunning != null && nextRunning.sequence() < sequence) {
                earlier.add(nextRunning.op());
                nextRunning = running.hasNext() ? running.next() : null;
            }
            if (earlier.barrier) {
                break; // nothing after an unfinished barrier may start
            }
            boolean start = !(op instanceof UploadLayer && layerUploads >= maxParallelUploads)
                    && !earlier.blocks(op)
                    && !(op instanceof Delete(List<LayerFileName> layers) && layers.stream().anyMatch(layer -> references(clean, layer)));
            if (start) {
                queued.remove(sequence);
                inFlight.put(sequence, op);
                ready.add(new Task(sequence, op));
                if (op instanceof UploadLayer) {
                    layerUploads++;
                }
            }
            earlier.add(op);
        }
        return ready;
    }

    /**
     * What the unfinished operations scheduled before some point touch: enough to tell whether an operation
     * there may start (the rules in the class comment).
     */
    private static final class Earlier {
        /** Layers that an earlier upload or deletion touches. */
        final Set<LayerFileName> touched = new HashSet<>();
        /** Earlier index uploads (few: queued ones coalesce). */
        final List<IndexPart> indexes = new ArrayList<>();
        boolean any;
        boolean barrier;

        void add(Op op) {
            any = true;
            switch (op) {
                case UploadLayer(LayerFileName layer, LayerMetadata ignored) -> touched.add(layer);
                case Delete(List<LayerFileName> layers) -> touched.addAll(layers);
                case UploadIndex(IndexPart index) -> indexes.add(index);
                case Barrier ignored -> barrier = true;
            }
        }

        boolean blocks(Op later) {
            if (barrier) {
                return true;
            }
            return switch (later) {
                case Barrier ignored -> any;
                case UploadIndex(IndexPart index) -> !indexes.isEmpty()
                        || touched.stream().anyMatch(layer -> references(index, layer));
                case UploadLayer(LayerFileName layer, LayerMetadata ignored) -> blocksLayers(List.of(layer));
                case Delete(List<LayerFileName> layers) -> blocksLayers(layers);
            };
        }

        private boolean blocksLayers(List<LayerFileName> layers) {
            for (LayerFileName layer : layers) {
                if (touched.contains(layer)) {
                    return true;
                }
                for (IndexPart index : indexes) {
                    if (references(index, layer)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** Records that a started operation finished; a finished index upload becomes the clean index. */
    void finished(long sequence) {
        Op op = inFlight.remove(sequence);
        if (op == null) {
            throw new IllegalStateException("operation " + sequence + " is not in flight");
        }
        switch (op) {
            case UploadIndex(IndexPart index) -> clean = index;
            case UploadLayer(LayerFileName layer, LayerMetadata ignored) -> {
                if (!deletionScheduledAfter(sequence, layer)) {
                    remoteLayers.add(layer);
                }
            }
            case Delete ignored -> { }
            case Barrier ignored -> { }
        }
    }

    static boolean references(IndexPart index, LayerFileName layer) {
        LayerMetadata listed = index.layers().get(layer.name());
        return listed != null && listed.generation().equals(layer.generation());
    }

    private boolean isUploadedOrScheduled(LayerFileName layer) {
        return remoteLayers.contains(layer) || uploadPending(layer);
    }

    private boolean deletionScheduledAfter(long sequence, LayerFileName layer) {
        for (Map.Entry<Long, Op> entry : inFlight.tailMap(sequence, false).entrySet()) {
            if (entry.getValue() instanceof Delete(List<LayerFileName> layers) && layers.contains(layer)) {
                return true;
            }
        }
        for (Map.Entry<Long, Op> entry : queued.tailMap(sequence, false).entrySet()) {
            if (entry.getValue() instanceof Delete(List<LayerFileName> layers) && layers.contains(layer)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an upload of {@code layer} is queued or in flight: such a layer must not be evicted. */
    boolean uploadPending(LayerFileName layer) {
        for (Op op : inFlight.values()) {
            if (op instanceof UploadLayer(LayerFileName scheduled, LayerMetadata ignored) && scheduled.equals(layer)) {
                return true;
            }
        }
        for (Op op : queued.values()) {
            if (op instanceof UploadLayer(LayerFileName scheduled, LayerMetadata ignored) && scheduled.equals(layer)) {
                return true;
            }
        }
        return false;
    }

    /** Drops every queued operation (shutdown without draining); in-flight ones are left to finish or fail. */
    List<Task> dropQueued() {
        List<Task> dropped = new ArrayList<>();
        queued.forEach((sequence, op) -> dropped.add(new Task(sequence, op)));
        queued.clear();
        return dropped;
    }

    IndexPart dirty() {
        return dirty;
    }

    IndexPart clean() {
        return clean;
    }

    int queuedCount() {
        return queued.size();
    }

    int inFlightCount() {
        return inFlight.size();
    }

    /** Bytes of the layer files whose upload is queued or in flight. */
    long pendingLayerBytes() {
        long bytes = 0;
        for (Op op : inFlight.values()) {
            if (op instanceof UploadLayer(LayerFileName ignored, LayerMetadata metadata)) {
                bytes += metadata.fileSize();
            }
        }
        for (Op op : queued.values()) {
            if (op instanceof UploadLayer(LayerFileName ignored, LayerMetadata metadata)) {
                bytes += metadata.fileSize();
            }
        }
        return bytes;
    }

    boolean isIdle() {
        return queued.isEmpty() && inFlight.isEmpty();
    }

    /** A snapshot of what is queued and in flight, for diagnostics. */
    Map<Long, Op> snapshot() {
        Map<Long, Op> all = new LinkedHashMap<>(new TreeMap<>(inFlight));
        all.putAll(queued);
        return all;
    }
}
