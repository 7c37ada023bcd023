package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.layer.BlockMemo;
import dev.strata.core.layer.LayerCursor;
import dev.strata.core.layer.LayerFile;
import dev.strata.core.layer.LayerWriter;
import dev.strata.core.layer.WrittenLayer;
import dev.strata.core.page.PageEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One compaction pass of a timeline: L0 deltas into L1 deltas cut by key range, then image layers where a
 * key range has gathered {@code image_creation_threshold} deltas since its last image. The L0 inputs are merged
 * and decoded on a {@link ReadAhead} thread while this thread writes the outputs.
 *
 * <p>Outputs become part of the timeline only through {@link Timeline#replaceLayers}, which writes the
 * index first. Any failure before that removes every output this pass wrote (INVARIANTS 2). An output whose
 * name already exists with identical bytes is reused (INVARIANTS 3); one with different bytes fails the pass
 * and leaves the inputs in place, so the data stays readable and a later pass can retry.
 */
final class Compaction {
    /** Page size assumed when cutting the key space into image partitions. */
    private static final long ESTIMATED_PAGE_BYTES = 8192;

    private final Timeline timeline;
    private final TimelineSettings settings;
    private final Failpoints failpoints;

    Compaction(Timeline timeline) {
        this.timeline = timeline;
        this.settings = timeline.settings();
        this.failpoints = timeline.resources().failpoints();
    }

    CompactionResult run() throws IOException {
        CompactionResult l0 = compactLevel0();
        CompactionResult images = createImages();
        return new CompactionResult(l0.l0Compacted(), l0.l1Written(), images.imagesWritten(),
                l0.outputsReused() + images.outputsReused());
    }

    private CompactionResult compactLevel0() throws IOException {
        List<PersistentLayer> level0 = timeline.layers().l0();
        if (level0.size() < settings.compactionThreshold()) {
            return CompactionResult.NOTHING;
        }
        // The oldest contiguous run: flushes produce adjacent LSN ranges, so this is normally all of them.
        List<PersistentLayer> run = new ArrayList<>();
        for (PersistentLayer layer : level0) {
            if (!run.isEmpty() && run.getLast().lsnEnd() != layer.lsnStart()) {
                break;
            }
            run.add(layer);
        }
        if (run.size() < 2) {
            return CompactionResult.NOTHING;
        }
        Lsn start = run.getFirst().name().lsnStart();
        Lsn end = run.getLast().name().lsnEnd();
        failpoints.hit("compaction-start");
        List<WrittenLayer> outputs = new ArrayList<>();
        List<PersistentLayer> opened = new ArrayList<>();
        boolean success = false;
        try (MergedCursor merged = new MergedCursor(run);
             ReadAhead input = new ReadAhead("compaction-read-" + timeline.timelineId(),
                     () -> merged.next() ? merged.entry() : null)) {
            LayerWriter writer = null;
            try {
                Key previousKey = null;
                PageEntry entry;
                while ((entry = input.next()) != null) {
                    if (writer != null && !entry.key().equals(previousKey)
                            && writer.bytesWritten() >= settings.compactionTargetSize()) {
                        outputs.add(finish(writer, writer.firstKey(), entry.key()));
                        writer.close();
                        writer = null;
                        failpoints.hit("compaction-after-output");
                    }
                    if (writer == null) {
                        writer = LayerWriter.delta(timeline.directory(), start, end, timeline.generation(),
                                settings.layerWrite(), timeline.resources().io(), failpoints);
                    }
                    writer.add(entry);
                    previousKey = entry.key();
                }
                if (writer != null) {
                    outputs.add(finish(writer, writer.firstKey(), previousKey.next()));
                    failpoints.hit("compaction-after-output");
                }
            } finally {
                if (writer != null) {
                    writer.close();
                }
            }
            failpoints.hit("compaction-before-index");
            for (WrittenLayer output : outputs) {
                opened.add(open(output));
            }
            timeline.replaceLayers(run, opened, null);
            success = true;
        } finally {
            if (!success) {
                removeOutputs(outputs, opened);
            }
        }
        int reused = (int) outputs.stream().filter(WrittenLayer::reused).count();
        return new CompactionResult(run.size(), outputs.size(), 0, reused);
    }

    private static WrittenLayer finish(LayerWriter writer, Key keyStart, Key keyEnd) throws IOException {
        if (keyStart.equals(Key.MIN) && keyEnd.equals(Key.MAX)) {
            // Such an output would be named like an L0 and compacted forever.
            throw new IOException("compaction output would span the whole key space; refusing to write an L0-shaped L1");
        }
        return writer.finish(keyStart, keyEnd);
    }

    private CompactionResult createImages() throws IOException {
        Lsn at = timeline.diskConsistentLsn();
        LayerMap map = timeline.layers().persistentOnly();
        if (map.deltas().isEmpty() || deltasSinceImage(map, Key.MIN, Key.MAX, at) < settings.imageCreationThreshold()) {
            // No partition can reach the threshold when the whole key space does not (a partition counts a
            // subset of these deltas against an image at least as new): skip listing every key of every layer.
            return CompactionResult.NOTHING;
        }
        List<Key> keys = new ArrayList<>(timeline.keysAt(Key.MIN, Key.MAX, at));
        if (keys.isEmpty()) {
            return CompactionResult.NOTHING;
        }
        int perPartition = (int) Math.max(1, Math.min(Integer.MAX_VALUE, settings.compactionTargetSize() / ESTIMATED_PAGE_BYTES));
        List<WrittenLayer> outputs = new ArrayList<>();
        List<PersistentLayer> opened = new ArrayList<>();
        boolean success = false;
        try {
            for (int first = 0; first < keys.size(); first += perPartition) {
                int last = Math.min(keys.size(), first + perPartition);
                Key keyStart = keys.get(first);
                Key keyEnd = last < keys.size() ? keys.get(last) : keys.getLast().next();
                if (deltasSinceImage(map, keyStart, keyEnd, at) < settings.imageCreationThreshold()) {
                    continue;
                }
                WrittenLayer image = writeImage(keys.subList(first, last), keyStart, keyEnd, at);
                if (image != null) {
                    outputs.add(image);
                    failpoints.hit("image-after-output");
                }
            }
            if (outputs.isEmpty()) {
                success = true;
                return CompactionResult.NOTHING;
            }
            for (WrittenLayer output : outputs) {
                opened.add(open(output));
            }
            timeline.replaceLayers(List.of(), opened, null);
            success = true;
        } finally {
            if (!success) {
                removeOutputs(outputs, opened);
            }
        }
        int reused = (int) outputs.stream().filter(WrittenLayer::reused).count();
        return new CompactionResult(0, 0, outputs.size(), reused);
    }

    /** Deltas overlapping [start, end) with records newer than the newest image covering that whole range. */
    private static int deltasSinceImage(LayerMap map, Key start, Key end, Lsn at) {
        long imageLsn = -1;
        for (PersistentLayer image : map.images()) {
            LayerName name = image.name();
            if (image.lsnStart() <= at.value() && name.keyStart().compareTo(start) <= 0 && name.keyEnd().compareTo(end) >= 0) {
                imageLsn = Math.max(imageLsn, image.lsnStart());
            }
        }
        int count = 0;
        for (PersistentLayer delta : map.deltas()) {
            LayerName name = delta.name();
            boolean overlaps = name.keyStart().compareTo(end) < 0 && start.compareTo(name.keyEnd()) < 0;
            if (overlaps && delta.lsnEnd() - 1 > imageLsn && delta.lsnStart() <= at.value()) {
                count++;
            }
        }
        return count;
    }

    private WrittenLayer writeImage(List<Key> keys, Key keyStart, Key keyEnd, Lsn at) throws IOException {
        try (LayerWriter writer = LayerWriter.image(timeline.directory(), at, timeline.generation(), settings.layerWrite(),
                timeline.resources().io(), failpoints)) {
            BlockMemo memo = new BlockMemo(); // the pass reads every block once: keep them out of the shared cache
            for (Key key : keys) {
                byte[] page = timeline.reconstruct(key, at, memo);
                if (page != null) {
                    writer.add(new PageEntry(key, at, new PageRecord.Image(page)));
                }
            }
            if (writer.entryCount() == 0) {
                return null;
            }
            return writer.finish(keyStart, keyEnd);
        }
    }

    private PersistentLayer open(WrittenLayer output) throws IOException {
        return timeline.residentLayer(output.fileName(), output.fileSize(), output.path());
    }

    /**
     * Removes outputs of a failed pass that no index lists. When the index write itself failed the timeline
     * is broken and the index on disk may list them, so they stay for the restart to reconcile.
     */
    private void removeOutputs(List<WrittenLayer> outputs, List<PersistentLayer> opened) throws IOException {
        for (PersistentLayer layer : opened) {
            layer.retire();
        }
        if (timeline.isBroken()) {
            return;
        }
        for (WrittenLayer output : outputs) {
            if (!timeline.index().layers().containsKey(output.fileName().name())) {
                Files.deleteIfExists(output.path());
            }
        }
    }

    /** A k-way merge of whole-layer scans in (key, LSN) order. */
    private static final class MergedCursor implements AutoCloseable {
        private final List<LayerCursor> cursors = new ArrayList<>();
        private final List<PersistentLayer.Lease> leases = new ArrayList<>();
        private final PriorityQueue<Head> heads = new PriorityQueue<>(
                Comparator.comparing(Head::entry, PageEntry.KEY_LSN_ORDER));
        private PageEntry current;

        private record Head(PageEntry entry, LayerCursor cursor) {}

        MergedCursor(List<PersistentLayer> layers) throws IOException {
            boolean success = false;
            try {
                for (PersistentLayer layer : layers) {
                    PersistentLayer.Lease lease = layer.acquire();
                    leases.add(lease);
                    LayerCursor cursor = lease.file().scan(Key.MIN, Key.MAX);
                    cursors.add(cursor);
                    if (cursor.next()) {
                        heads.add(new Head(cursor.entry(), cursor));
                    }
                }
                success = true;
            } finally {
                if (!success) {
                    close();
                }
            }
        }

        boolean next() throws IOException {
            Head head = heads.poll();
            if (head == null) {
                return false;
            }
            current = head.entry();
            if (head.cursor().next()) {
                heads.add(new Head(head.cursor().entry(), head.cursor()));
            }
            return true;
        }

        PageEntry entry() {
            return current;
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (LayerCursor cursor : cursors) {
                try {
                    cursor.close();
                } catch (IOException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            leases.forEach(PersistentLayer.Lease::close);
            if (first != null) {
                throw first;
            }
        }
    }
}
