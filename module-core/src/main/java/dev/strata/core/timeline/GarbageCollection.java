package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One GC pass of a timeline.
 *
 * <p>The cutoff is the lower of {@code last record LSN - gc_horizon} and the newest LSN written before the
 * PITR window, never above the disk-consistent LSN and never lower than the previous cutoff. It is persisted
 * before anything is deleted. A layer is removed only when every LSN that must stay readable at or below
 * its records (the cutoff, and each child's branch point) is served by newer image layers that together
 * cover the layer's whole key range, so no read can reach it.
 */
final class GarbageCollection {
    private final Timeline timeline;

    GarbageCollection(Timeline timeline) {
        this.timeline = timeline;
    }

    GcResult run() throws IOException {
        Lsn cutoff = computeCutoff();
        if (cutoff.isAfter(timeline.gcCutoff())) {
            timeline.persistGcCutoff(cutoff);
        }
        cutoff = timeline.gcCutoff();
        timeline.resources().failpoints().hit("gc-before-delete");
        List<Long> retain = new ArrayList<>();
        retain.add(cutoff.value());
        for (Lsn branchPoint : timeline.children().values()) {
            retain.add(branchPoint.value());
        }
        // The persistent layers only: a map with in-memory layers would keep them reachable for the whole pass.
        LayerMap map = timeline.layers().persistentOnly();
        List<PersistentLayer> removable = new ArrayList<>();
        List<PersistentLayer> all = map.persistent();
        for (PersistentLayer layer : all) {
            if (canRemove(layer, cutoff.value(), retain, map.images())) {
                removable.add(layer);
            }
        }
        if (!removable.isEmpty()) {
            timeline.replaceLayers(removable, List.of(), null);
        }
        return new GcResult(cutoff, removable.size(), all.size() - removable.size());
    }

    private Lsn computeCutoff() {
        TimelineSettings settings = timeline.settings();
        long last = timeline.lastRecordLsn().value();
        long horizonCutoff = Math.max(0, last - settings.gcHorizon());
        long pitrCutoff;
        Duration pitr = settings.pitrInterval();
        if (pitr.isZero()) {
            pitrCutoff = last;
        } else {
            pitrCutoff = LsnHistory.from(timeline.index())
                    .lsnAtOrBefore(timeline.resources().clock().instant().minus(pitr)).value();
        }
        long cutoff = Math.min(Math.min(horizonCutoff, pitrCutoff), timeline.diskConsistentLsn().value());
        return Lsn.max(Lsn.of(cutoff), timeline.gcCutoff());
    }

    private static boolean canRemove(PersistentLayer layer, long cutoff, List<Long> retain, List<PersistentLayer> images) {
        // Every record of the layer must be at or below the cutoff.
        if (layer.lsnEnd() - 1 > cutoff) {
            return false;
        }
        // An image replaces a delta when it is at or after the delta's last record; an image only when newer.
        long newerFrom = layer.isImage() ? layer.lsnEnd() : layer.lsnEnd() - 1;
        for (long point : retain) {
            if (point < layer.lsnStart()) {
                continue;
            }
            if (!coveredByImages(layer.name(), newerFrom, point, images)) {
                return false;
            }
        }
        return true;
    }

    /** True when images with LSN in [from, to] together cover the key range of {@code name}. */
    private static boolean coveredByImages(LayerName name, long from, long to, List<PersistentLayer> images) {
        List<LayerName> candidates = images.stream()
                .filter(image -> image.lsnStart() >= from && image.lsnStart() <= to)
                .map(PersistentLayer::name)
                .sorted(Comparator.comparing(LayerName::keyStart))
                .toList();
        Key covered = name.keyStart();
        for (LayerName image : candidates) {
            if (image.keyStart().compareTo(covered) > 0) {
                break;
            }
            if (image.keyEnd().compareTo(covered) > 0) {
                covered = image.keyEnd();
            }
            if (covered.compareTo(name.keyEnd()) >= 0) {
                return true;
            }
        }
        return covered.compareTo(name.keyEnd()) >= 0;
    }
}

