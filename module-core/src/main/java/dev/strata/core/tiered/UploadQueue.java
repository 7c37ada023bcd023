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
 * Adjacent queued index uploads coalesce: scheduling an index while the newest queued operation is an index
 * upload that has not started replaces it. Layer uploads in flight are bounded by {@code maxParallelUploads}.
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
        int layerUploads = (int) inFlight.values().stream().filter(op -> op instanceof UploadLayer).count();
        Iterator<Map.Entry<Long, Op>> iterator = queued.entrySet().iterator();
        while (iterator.hasNext()) {
            Map.Entry<Long, Op> entry = iterator.next();
            // Read before remove(): a TreeMap may reuse the removed entry's node for its successor.
            long sequence = entry.getKey();
            Op op = entry.getValue();
            if (op instanceof UploadLayer && layerUploads >= maxParallelUploads) {
                continue;
            }
            if (!mayStart(sequence, op)) {
                continue;
            }
            iterator.remove();
            inFlight.put(sequence, op);
            ready.add(new Task(sequence, op));
            if (op instanceof UploadLayer) {
                layerUploads++;
            }
        }
        return ready;
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

    private boolean mayStart(long sequence, Op op) {
        if (op instanceof Delete(List<LayerFileName> layers) && layers.stream().anyMatch(layer -> references(clean, layer))) {
            // The bucket's index still lists it: wait for the index that stopped listing it to be uploaded.
            return false;
        }
        for (Op earlier : earlierThan(sequence)) {
            if (blocks(earlier, op)) {
                return false;
            }
        }
        return true;
    }

    /** Every unfinished operation scheduled before {@code sequence}, in flight or queued. */
    private List<Op> earlierThan(long sequence) {
        List<Op> earlier = new ArrayList<>(inFlight.headMap(sequence).values());
        earlier.addAll(queued.headMap(sequence).values());
        return earlier;
    }

    private static boolean blocks(Op earlier, Op later) {
        if (earlier instanceof Barrier || later instanceof Barrier) {
            return true;
        }
        Set<LayerFileName> touched = touches(later);
        return switch (earlier) {
            case UploadIndex(IndexPart index) -> later instanceof UploadIndex || touched.stream().anyMatch(layer -> references(index, layer));
            case UploadLayer(LayerFileName layer, LayerMetadata ignored) -> touched.contains(layer)
                    || (later instanceof UploadIndex(IndexPart index) && references(index, layer));
            case Delete(List<LayerFileName> layers) -> layers.stream().anyMatch(touched::contains)
                    || (later instanceof UploadIndex(IndexPart index) && layers.stream().anyMatch(layer -> references(index, layer)));
            case Barrier ignored -> true;
        };
    }

    private static Set<LayerFileName> touches(Op op) {
        return switch (op) {
            case UploadLayer(LayerFileName layer, LayerMetadata ignored) -> Set.of(layer);
            case Delete(List<LayerFileName> layers) -> new HashSet<>(layers);
            case UploadIndex ignored -> Set.of();
            case Barrier ignored -> Set.of();
        };
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
