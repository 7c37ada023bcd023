package dev.strata.core.scrub;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.InvalidIndexException;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.walbackup.WalObjectName;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a bucket without any node: the metadata of every timeline ({@link #scanMetadata}) and the objects no
 * index needs ({@link #findGarbage}, {@link #purge}).
 *
 * <p>Garbage is decided conservatively: a layer object is kept while <em>any</em> index of <em>any</em> generation
 * lists it under that generation (an index lists a layer by the generation that wrote it, which may be older
 * than the index's own), indexes of the two newest generations are kept, WAL segments are kept unless a later
 * segment starts at or below the disk-consistent LSN of every kept index, partial WAL segments are kept unless
 * their flush LSN is at or below it, and nothing younger than the minimum
 * age, nor any key whose name does not parse, is ever deleted.
 */
public final class Scrubber {
    /** Told about each timeline as the scrubber reaches it. */
    @FunctionalInterface
    public interface Progress {
        void timeline(int done, int total, TenantId tenant, TimelineId timeline);
    }

    private final RetryingStorage storage;
    private final RemoteLayout layout;
    private final BucketListing listing;
    private final Clock clock;

    public Scrubber(RetryingStorage storage, RemoteLayout layout, Clock clock) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.layout = Objects.requireNonNull(layout, "layout is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.listing = new BucketListing(storage, layout);
    }

    // ---------------------------------------------------------------------------------------------------
    // scan-metadata

    /**
     * Loads the newest index of every timeline and reports errors (it does not parse, a layer of size 0, a listed
     * layer missing from the bucket, confirmed by a HEAD) and warnings (overlapping deltas, keys that do not
     * parse, timelines without an index).
     */
    public MetadataReport scanMetadata(Progress progress) throws RemoteStorageException {
        MetadataReport.Builder report = new MetadataReport.Builder();
        List<Target> targets = targets();
        int done = 0;
        for (Target target : targets) {
            progress.timeline(++done, targets.size(), target.tenant(), target.timeline());
            BucketListing.TimelineObjects objects = listing.timeline(target.tenant(), target.timeline());
            report.timeline();
            for (ObjectMetadata key : objects.unparseable()) {
                report.warning("unparseable_key", key.key(), "the name is neither an index, a layer nor under wal/");
            }
            Optional<Map.Entry<Generation, ObjectMetadata>> newest = objects.newestIndex();
            if (newest.isEmpty()) {
                report.warning("no_index", layout.timelinePrefix(target.tenant(), target.timeline()),
                        objects.layers().size() + " layer objects and no index");
                continue;
            }
            String indexKey = newest.get().getValue().key();
            IndexPart index;
            try {
                index = read(indexKey);
            } catch (InvalidIndexException e) {
                report.error("unparseable_index", indexKey, e.getMessage());
                continue;
            }
            report.indexVersion(index.version());
            try {
                index.validate();
            } catch (InvalidIndexException e) {
                report.error("invalid_index", indexKey, e.getMessage());
            }
            for (Map.Entry<LayerName, LayerMetadata> entry : index.layers().entrySet()) {
                LayerFileName layer = new LayerFileName(entry.getKey(), entry.getValue().generation());
                String layerKey = layout.layerKey(target.tenant(), target.timeline(), layer);
                if (entry.getValue().fileSize() == 0) {
                    report.error("empty_layer", layerKey, "listed with file_size 0 in " + indexKey);
                }
                if (!objects.layers().containsKey(layer) && !exists(layerKey)) {
                    report.error("missing_layer", layerKey, "listed in " + indexKey + " but not in the bucket");
                }
            }
            checkOverlaps(index, indexKey, report);
        }
        return report.build();
    }

    private static void checkOverlaps(IndexPart index, String indexKey, MetadataReport.Builder report) {
        List<DeltaLayerName> deltas = new ArrayList<>();
        for (LayerName name : index.layers().keySet()) {
            if (name instanceof DeltaLayerName delta) {
                deltas.add(delta);
            }
        }
        deltas.sort(java.util.Comparator.comparing(DeltaLayerName::lsnStart));
        for (int i = 0; i < deltas.size(); i++) {
            DeltaLayerName first = deltas.get(i);
            for (int j = i + 1; j < deltas.size() && deltas.get(j).lsnStart().isBefore(first.lsnEnd()); j++) {
                DeltaLayerName second = deltas.get(j);
                boolean keysOverlap = first.keyStart().compareTo(second.keyEnd()) < 0
                        && second.keyStart().compareTo(first.keyEnd()) < 0;
                if (keysOverlap) {
                    report.warning("overlapping_deltas", indexKey, first.text() + " overlaps " + second.text());
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // find-garbage and purge-garbage

    /** Objects no index needs and older than {@code minAge}; see the class comment for what is kept. */
    public GarbageReport findGarbage(Duration minAge, Progress progress) throws RemoteStorageException {
        Instant cutoff = clock.instant().minus(minAge);
        List<GarbageReport.Item> garbage = new ArrayList<>();
        int youngKept = 0;
        List<Target> targets = targets();
        int done = 0;
        for (Target target : targets) {
            progress.timeline(++done, targets.size(), target.tenant(), target.timeline());
            BucketListing.TimelineObjects objects = listing.timeline(target.tenant(), target.timeline());
            Set<LayerFileName> referenced = new HashSet<>();
            List<Generation> generations = new ArrayList<>(objects.indexes().keySet());
            Set<Generation> keptIndexes = new HashSet<>(generations.subList(Math.max(0, generations.size() - 2), generations.size()));
            Lsn walFloor = null;
            boolean unreadableIndex = false;
            for (Map.Entry<Generation, ObjectMetadata> entry : objects.indexes().entrySet()) {
                IndexPart index;
                try {
                    index = read(entry.getValue().key());
                } catch (InvalidIndexException e) {
                    // An index we cannot read may list anything: keep every layer of this timeline.
                    unreadableIndex = true;
                    continue;
                }
                index.layers().forEach((name, metadata) -> referenced.add(new LayerFileName(name, metadata.generation())));
                if (keptIndexes.contains(entry.getKey())) {
                    Lsn lsn = index.diskConsistentLsn();
                    walFloor = walFloor == null || lsn.isBefore(walFloor) ? lsn : walFloor;
                }
            }
            List<GarbageReport.Item> candidates = new ArrayList<>();
            if (!unreadableIndex && !objects.indexes().isEmpty()) {
                objects.layers().forEach((layer, object) -> {
                    if (!referenced.contains(layer)) {
                        candidates.add(new GarbageReport.Item(object.key(), object.size(), "layer no index lists"));
                    }
                });
            }
            objects.indexes().forEach((generation, object) -> {
                if (!keptIndexes.contains(generation)) {
                    candidates.add(new GarbageReport.Item(object.key(), object.size(), "index of an old generation"));
                }
            });
            if (walFloor != null) {
                candidates.addAll(walBelow(objects.wal(), walFloor, layout.walPrefix(target.tenant(), target.timeline())));
            }
            for (GarbageReport.Item item : candidates) {
                ObjectMetadata object = metadataOf(objects, item.key());
                if (object.lastModified().isAfter(cutoff)) {
                    youngKept++;
                } else {
                    garbage.add(item);
                }
            }
        }
        return new GarbageReport(garbage, youngKept, targets.size());
    }

    /**
     * WAL objects every record of which is at or below {@code floor}, so in layers every kept index lists: a full
     * segment ({@code <start:016X>.wal}) whose successor starts at or below the floor, and a partial segment whose
     * flush LSN is at or below it. A full segment with no successor is kept (its end is not known from the
     * listing), and so is every name that does not parse as a WAL object.
     */
    private static List<GarbageReport.Item> walBelow(List<ObjectMetadata> wal, Lsn floor, String walPrefix) {
        TreeMap<Long, ObjectMetadata> segments = new TreeMap<>(Long::compareUnsigned);
        List<GarbageReport.Item> below = new ArrayList<>();
        for (ObjectMetadata object : wal) {
            switch (WalObjectName.parse(object.key().substring(walPrefix.length())).orElse(null)) {
                case WalObjectName.Full full -> segments.put(full.segmentStart().value(), object);
                case WalObjectName.Partial partial when !partial.flushLsn().isAfter(floor) ->
                        below.add(new GarbageReport.Item(object.key(), object.size(), "partial WAL segment below every kept index"));
                case null, default -> { }
            }
        }
        List<Map.Entry<Long, ObjectMetadata>> ordered = new ArrayList<>(segments.entrySet());
        for (int i = 0; i + 1 < ordered.size(); i++) {
            if (Long.compareUnsigned(ordered.get(i + 1).getKey(), floor.value()) <= 0) {
                ObjectMetadata object = ordered.get(i).getValue();
                below.add(new GarbageReport.Item(object.key(), object.size(), "WAL segment below every kept index"));
            }
        }
        return below;
    }

    private static ObjectMetadata metadataOf(BucketListing.TimelineObjects objects, String key) {
        for (ObjectMetadata object : objects.layers().values()) {
            if (object.key().equals(key)) {
                return object;
            }
        }
        for (ObjectMetadata object : objects.indexes().values()) {
            if (object.key().equals(key)) {
                return object;
            }
        }
        for (ObjectMetadata object : objects.wal()) {
            if (object.key().equals(key)) {
                return object;
            }
        }
        throw new IllegalStateException("no listed object " + key);
    }

    /**
     * Deletes the garbage {@link #findGarbage} finds, at most {@code perSecond} keys a second; with {@code dryRun}
     * only reports it. Before deleting, the bucket is scanned a second time and only keys that both scans call
     * garbage are deleted, so an index uploaded during the first scan saves what it lists.
     *
     * @return what was deleted (or, in a dry run, what would be)
     */
    public GarbageReport purge(Duration minAge, boolean dryRun, int perSecond, Progress progress) throws IOException {
        GarbageReport first = findGarbage(minAge, progress);
        if (dryRun) {
            return first;
        }
        Set<String> confirmed = new HashSet<>();
        findGarbage(minAge, progress).items().forEach(item -> confirmed.add(item.key()));
        List<GarbageReport.Item> deleted = new ArrayList<>();
        long started = System.nanoTime();
        for (GarbageReport.Item item : first.items()) {
            if (!confirmed.contains(item.key())) {
                continue;
            }
            long wait = started + deleted.size() * 1_000_000_000L / Math.max(1, perSecond) - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(wait));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while purging", e);
                }
            }
            for (DeleteResult result : storage.deleteBatch(List.of(item.key()), CallContext.NONE)) {
                if (result.error().isPresent()) {
                    throw result.error().get();
                }
            }
            deleted.add(item);
        }
        return new GarbageReport(deleted, first.youngKept(), first.timelines());
    }

    // ---------------------------------------------------------------------------------------------------

    private record Target(TenantId tenant, TimelineId timeline) {}

    private List<Target> targets() throws RemoteStorageException {
        List<Target> targets = new ArrayList<>();
        for (TenantId tenant : listing.tenants()) {
            for (TimelineId timeline : listing.timelines(tenant)) {
                targets.add(new Target(tenant, timeline));
            }
        }
        return targets;
    }

    private IndexPart read(String key) throws RemoteStorageException, InvalidIndexException {
        try (ObjectContent content = storage.get(key, ByteRange.WHOLE, Optional.empty(), CallContext.NONE)) {
            return IndexPart.parse(content.readAllBytes());
        } catch (RemoteStorageException e) {
            throw e;
        } catch (IOException e) {
            throw new RemoteStorageException.Transient("get", key, "reading the index failed: " + e, null, e);
        }
    }

    private boolean exists(String key) throws RemoteStorageException {
        try {
            storage.head(key, CallContext.NONE);
            return true;
        } catch (RemoteStorageException.NotFound e) {
            return false;
        }
    }
}
