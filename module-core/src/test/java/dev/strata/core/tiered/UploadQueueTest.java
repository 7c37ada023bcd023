package dev.strata.core.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.testing.RandomSeed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ordering rules of the upload queue, checked over random schedules against a simulated bucket: an
 * operation's effect may land anywhere between its start and its end, so every check is made when an operation
 * starts, against what is certainly in the bucket then and what else is in flight.
 */
final class UploadQueueTest {
    @RegisterExtension
    static final RandomSeed SEED = new RandomSeed();
    private static final Generation GENERATION = Generation.of(3);
    private static final Lsn START = Lsn.of(0x100_0000L);

    @RepeatedTest(40)
    void randomSchedulesNeverReferenceMissingObjectsNorDeleteAheadOfReuploads(Random random) {
        Simulation simulation = new Simulation(random, 1 + random.nextInt(4));
        for (int step = 0; step < 600; step++) {
            int choice = random.nextInt(100);
            if (choice < 25) {
                simulation.flush();
            } else if (choice < 35) {
                simulation.compact();
            } else if (choice < 40) {
                simulation.recreateDeleted();
            } else if (choice < 45) {
                simulation.barrier();
            } else if (choice < 50) {
                simulation.reindex();
            } else if (choice < 70) {
                simulation.startReady();
            } else {
                simulation.completeOne();
            }
        }
        simulation.drain();
        simulation.checkSettled();
    }

    @Test
    void adjacentIndexUploadsCoalesceIntoTheNewest() {
        IndexPart empty = index(Map.of());
        UploadQueue queue = new UploadQueue(empty, 2);
        LayerFileName a = layer(1);
        queue.scheduleLayerUpload(a, new LayerMetadata(10, GENERATION));
        IndexPart first = index(Map.of(a, 10L));
        long firstSequence = queue.scheduleIndexUpload(first);
        IndexPart second = first.withGcCutoff(START.plus(5));
        long secondSequence = queue.scheduleIndexUpload(second);
        assertEquals(firstSequence, secondSequence, "the queued index was replaced, not followed");
        assertEquals(2, queue.queuedCount());
        List<UploadQueue.Task> started = queue.startReady();
        assertEquals(1, started.size(), "the index waits for the layer it lists");
        queue.finished(started.getFirst().sequence());
        List<UploadQueue.Task> next = queue.startReady();
        assertEquals(new UploadQueue.UploadIndex(second), next.getFirst().op());
    }

    @Test
    void aQueuedIndexBehindLayerUploadsIsDroppedForTheNewestWhichWaitsForEveryLayer() {
        UploadQueue queue = new UploadQueue(index(Map.of()), 4);
        Map<LayerFileName, Long> listed = new HashMap<>();
        for (int i = 1; i <= 3; i++) {
            LayerFileName layer = layer(i);
            queue.scheduleLayerUpload(layer, new LayerMetadata(10, GENERATION));
            listed.put(layer, 10L);
            queue.scheduleIndexUpload(index(listed));
        }
        assertEquals(4, queue.queuedCount(), "three layer uploads and one index, not three");
        IndexPart newest = index(listed);
        List<UploadQueue.Task> started = queue.startReady();
        assertEquals(3, started.size(), "the layers start together");
        assertTrue(started.stream().allMatch(task -> task.op() instanceof UploadQueue.UploadLayer));
        queue.finished(started.get(0).sequence());
        queue.finished(started.get(1).sequence());
        assertTrue(queue.startReady().isEmpty(), "the index waits for the last layer it lists");
        queue.finished(started.get(2).sequence());
        List<UploadQueue.Task> index = queue.startReady();
        assertEquals(List.of(new UploadQueue.UploadIndex(newest)), index.stream().map(UploadQueue.Task::op).toList());
    }

    @Test
    void queuedIndexesAreNotDroppedAcrossABarrierNorADeletion() {
        LayerFileName a = layer(1);
        LayerFileName b = layer(2);
        UploadQueue queue = new UploadQueue(index(Map.of()), 4);
        queue.scheduleLayerUpload(a, new LayerMetadata(10, GENERATION));
        queue.scheduleIndexUpload(index(Map.of(a, 10L)));
        queue.scheduleBarrier("flushed");
        queue.scheduleLayerUpload(b, new LayerMetadata(10, GENERATION));
        queue.scheduleIndexUpload(index(Map.of(a, 10L, b, 10L)));
        assertEquals(5, queue.queuedCount(), "the index before the barrier stays");
        queue.scheduleIndexUpload(index(Map.of(b, 10L)));
        queue.scheduleDeletion(List.of(a));
        queue.scheduleLayerUpload(layer(3), new LayerMetadata(10, GENERATION));
        queue.scheduleIndexUpload(index(Map.of(b, 10L, layer(3), 10L)));
        assertEquals(8, queue.queuedCount(), "the index the deletion waits for stays");
    }

    @Test
    void anIndexInFlightIsNotReplacedAndIndexesNeverRunTogether() {
        UploadQueue queue = new UploadQueue(index(Map.of()), 4);
        IndexPart first = index(Map.of()).withGcCutoff(START);
        queue.scheduleIndexUpload(first);
        List<UploadQueue.Task> started = queue.startReady();
        assertEquals(1, started.size());
        queue.scheduleIndexUpload(first.withGcCutoff(START.plus(1)));
        assertTrue(queue.startReady().isEmpty(), "the second index waits for the first");
        queue.finished(started.getFirst().sequence());
        assertEquals(1, queue.startReady().size());
    }

    @Test
    void aDeletionOfALayerTheDirtyIndexListsIsRefused() {
        LayerFileName a = layer(1);
        UploadQueue queue = new UploadQueue(index(Map.of()), 1);
        queue.scheduleLayerUpload(a, new LayerMetadata(10, GENERATION));
        queue.scheduleIndexUpload(index(Map.of(a, 10L)));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> queue.scheduleDeletion(List.of(a)));
        assertTrue(refused.getMessage().contains(a.remoteObjectName()), refused.getMessage());
    }

    @Test
    void anIndexListingALayerThatWasNeverScheduledIsRefused() {
        UploadQueue queue = new UploadQueue(index(Map.of()), 1);
        LayerFileName a = layer(1);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> queue.scheduleIndexUpload(index(Map.of(a, 10L))));
        assertTrue(refused.getMessage().contains(a.remoteObjectName()), refused.getMessage());
    }

    @Test
    void layerUploadsRunInParallelUpToTheLimitAndAheadOfAnIndexThatDoesNotListThem() {
        UploadQueue queue = new UploadQueue(index(Map.of()), 2);
        queue.scheduleIndexUpload(index(Map.of()).withGcCutoff(START));
        for (int i = 1; i <= 3; i++) {
            queue.scheduleLayerUpload(layer(i), new LayerMetadata(10, GENERATION));
        }
        List<UploadQueue.Task> started = queue.startReady();
        assertEquals(3, started.size(), "the index and two of three layer uploads");
        assertEquals(2, started.stream().filter(task -> task.op() instanceof UploadQueue.UploadLayer).count());
    }

    private static LayerFileName layer(int n) {
        LayerName name = new DeltaLayerName(Key.MIN, Key.MAX, START.plus(n * 16L), START.plus(n * 16L + 16));
        return new LayerFileName(name, GENERATION);
    }

    private static IndexPart index(Map<LayerFileName, Long> layers) {
        NavigableMap<LayerName, LayerMetadata> listed = new TreeMap<>();
        Lsn end = START;
        for (Map.Entry<LayerFileName, Long> entry : layers.entrySet()) {
            listed.put(entry.getKey().name(), new LayerMetadata(entry.getValue(), entry.getKey().generation()));
            if (entry.getKey().name().lsnEnd().isAfter(end)) {
                end = entry.getKey().name().lsnEnd();
            }
        }
        return IndexPart.initial(null, Lsn.INVALID, START, START).withLayers(listed, end);
    }

    private static String describe(UploadQueue.Op op) {
        return switch (op) {
            case UploadQueue.UploadLayer(LayerFileName layer, LayerMetadata ignored) -> "upload " + layer.name().lsnStart();
            case UploadQueue.UploadIndex(IndexPart index) -> "index " + index.layers().keySet().stream().map(LayerName::lsnStart).toList();
            case UploadQueue.Delete(List<LayerFileName> layers) -> "delete " + layers.stream().map(layer -> layer.name().lsnStart()).toList();
            case UploadQueue.Barrier ignored -> "barrier";
        };
    }

    /** A timeline's schedule of remote changes, a bucket, and the checks. */
    private static final class Simulation {
        private final Random random;
        private final UploadQueue queue;
        private final Map<LayerFileName, Long> live = new HashMap<>();
        private final List<LayerFileName> deleted = new ArrayList<>();
        private final Set<LayerFileName> bucketLayers = new HashSet<>();
        private IndexPart bucketIndex;
        private final Map<Long, UploadQueue.Op> inFlight = new TreeMap<>();
        private long lastIndexSequence;
        private final List<String> history = new ArrayList<>();
        private int next = 1;

        Simulation(Random random, int parallel) {
            this.random = random;
            this.bucketIndex = index(Map.of());
            this.queue = new UploadQueue(bucketIndex, parallel);
        }

        void flush() {
            LayerFileName created = layer(next++);
            add(created);
        }

        void recreateDeleted() {
            if (deleted.isEmpty()) {
                return;
            }
            LayerFileName again = deleted.remove(random.nextInt(deleted.size()));
            add(again);
        }

        private void add(LayerFileName created) {
            long size = 100 + random.nextInt(1000);
            queue.scheduleLayerUpload(created, new LayerMetadata(size, GENERATION));
            live.put(created, size);
            queue.scheduleIndexUpload(index(live));
        }

        void compact() {
            if (live.size() < 2) {
                return;
            }
            List<LayerFileName> inputs = new ArrayList<>(live.keySet());
            inputs.sort(java.util.Comparator.comparing(LayerFileName::name));
            List<LayerFileName> removed = inputs.subList(0, 1 + random.nextInt(inputs.size() - 1));
            removed = new ArrayList<>(removed);
            LayerFileName output = layer(next++);
            long size = 100 + random.nextInt(1000);
            queue.scheduleLayerUpload(output, new LayerMetadata(size, GENERATION));
            removed.forEach(live::remove);
            live.put(output, size);
            queue.scheduleIndexUpload(index(live));
            queue.scheduleDeletion(removed);
            deleted.addAll(removed);
        }

        /** An index change without new layers (a new GC cutoff): adjacent ones coalesce. */
        void reindex() {
            queue.scheduleIndexUpload(index(live).withGcCutoff(START.plus(next)));
        }

        void barrier() {
            queue.scheduleBarrier(new Object());
        }

        void startReady() {
            for (UploadQueue.Task task : queue.startReady()) {
                history.add("start " + task.sequence() + " " + describe(task.op()));
                checkMayStart(task);
                if (task.op() instanceof UploadQueue.Barrier) {
                    queue.finished(task.sequence());
                } else {
                    inFlight.put(task.sequence(), task.op());
                }
            }
        }

        void completeOne() {
            if (inFlight.isEmpty()) {
                return;
            }
            List<Long> sequences = new ArrayList<>(inFlight.keySet());
            long sequence = sequences.get(random.nextInt(sequences.size()));
            complete(sequence);
        }

        private void complete(long sequence) {
            UploadQueue.Op op = inFlight.remove(sequence);
            history.add("end " + sequence);
            switch (op) {
                case UploadQueue.UploadLayer(LayerFileName layer, LayerMetadata ignored) -> bucketLayers.add(layer);
                case UploadQueue.UploadIndex(IndexPart index) -> {
                    assertTrue(sequence > lastIndexSequence, "index uploads finished out of order");
                    lastIndexSequence = sequence;
                    bucketIndex = index;
                }
                case UploadQueue.Delete(List<LayerFileName> layers) -> layers.forEach(bucketLayers::remove);
                case UploadQueue.Barrier ignored -> fail("barriers are not executed");
            }
            queue.finished(sequence);
        }

        private void checkMayStart(UploadQueue.Task task) {
            switch (task.op()) {
                case UploadQueue.UploadIndex(IndexPart index) -> {
                    for (Map.Entry<LayerName, LayerMetadata> entry : index.layers().entrySet()) {
                        LayerFileName layer = new LayerFileName(entry.getKey(), entry.getValue().generation());
                        assertTrue(bucketLayers.contains(layer), "index " + task.sequence() + " references " + layer
                                + ", which is not uploaded; queue " + queue.snapshot().keySet() + " history " + history);
                        assertFalse(inFlightTouches(layer), "index started while " + layer + " is being changed");
                    }
                    assertTrue(inFlight.values().stream().noneMatch(op -> op instanceof UploadQueue.UploadIndex),
                            "two index uploads in flight");
                }
                case UploadQueue.Delete(List<LayerFileName> layers) -> {
                    for (LayerFileName layer : layers) {
                        assertFalse(UploadQueue.references(bucketIndex, layer), "deleting " + layer + ", which the uploaded index references");
                        assertFalse(inFlightTouches(layer), "deleting " + layer + " while it is being uploaded or deleted");
                        for (UploadQueue.Op op : inFlight.values()) {
                            if (op instanceof UploadQueue.UploadIndex(IndexPart index)) {
                                assertFalse(UploadQueue.references(index, layer), "deleting " + layer + " while an index that references it is in flight");
                            }
                        }
                    }
                }
                case UploadQueue.UploadLayer(LayerFileName layer, LayerMetadata ignored) -> {
                    assertFalse(inFlightTouches(layer), "uploading " + layer + " while it is being uploaded or deleted");
                    // A re-upload must not start while an earlier deletion of the same object is still queued.
                    for (Map.Entry<Long, UploadQueue.Op> entry : queue.snapshot().entrySet()) {
                        if (entry.getKey() < task.sequence() && entry.getValue() instanceof UploadQueue.Delete(List<LayerFileName> layers)) {
                            assertFalse(layers.contains(layer), "re-upload of " + layer + " overtook its deletion");
                        }
                    }
                }
                case UploadQueue.Barrier ignored -> assertTrue(queue.snapshot().keySet().stream()
                        .noneMatch(sequence -> sequence < task.sequence() && !sequenceIs(sequence, task)),
                        "barrier passed an unfinished operation");
            }
        }

        private boolean sequenceIs(long sequence, UploadQueue.Task task) {
            return sequence == task.sequence();
        }

        private boolean inFlightTouches(LayerFileName layer) {
            for (UploadQueue.Op op : inFlight.values()) {
                if (op instanceof UploadQueue.UploadLayer(LayerFileName other, LayerMetadata ignored) && other.equals(layer)) {
                    return true;
                }
                if (op instanceof UploadQueue.Delete(List<LayerFileName> layers) && layers.contains(layer)) {
                    return true;
                }
            }
            return false;
        }

        void drain() {
            for (int round = 0; round < 100_000 && !queue.isIdle(); round++) {
                startReady();
                if (!inFlight.isEmpty()) {
                    complete(inFlight.keySet().iterator().next());
                }
            }
            assertTrue(queue.isIdle(), "queue did not drain: " + queue.snapshot());
        }

        void checkSettled() {
            assertEquals(queue.dirty(), bucketIndex, "after draining, the bucket holds the newest index");
            assertEquals(index(live).layers(), bucketIndex.layers());
            Set<LayerFileName> referenced = new HashSet<>();
            bucketIndex.layers().forEach((name, metadata) -> referenced.add(new LayerFileName(name, metadata.generation())));
            assertEquals(referenced, bucketLayers, "the bucket holds exactly the layers its index lists");
            assertEquals(live.keySet(), referenced);
        }
    }
}
