package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.LayerName;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An immutable snapshot of a timeline's layers: the open in-memory layer, frozen in-memory layers waiting
 * for flush, and the persistent layers the index lists. Readers take the current snapshot once and walk it
 * without locks; every change builds a new snapshot under the timeline's layer lock.
 *
 * @param open the layer receiving writes, or null before the first write since the last freeze
 * @param frozen frozen layers, oldest first
 * @param deltas persistent delta layers, newest (highest LSN end) first
 * @param images persistent image layers, newest (highest LSN) first
 */
record LayerMap(InMemoryLayer open, List<InMemoryLayer> frozen, List<PersistentLayer> deltas, List<PersistentLayer> images) {
    private static final Comparator<PersistentLayer> NEWEST_FIRST =
            Comparator.comparingLong(PersistentLayer::lsnEnd).reversed()
                    .thenComparing(layer -> layer.name().keyStart());

    LayerMap {
        frozen = List.copyOf(frozen);
        deltas = deltas.stream().sorted(NEWEST_FIRST).toList();
        images = images.stream().sorted(NEWEST_FIRST).toList();
    }

    static LayerMap of(Collection<PersistentLayer> layers) {
        List<PersistentLayer> deltas = layers.stream().filter(layer -> !layer.isImage()).toList();
        List<PersistentLayer> images = layers.stream().filter(PersistentLayer::isImage).toList();
        return new LayerMap(null, List.of(), deltas, images);
    }

    /**
     * This snapshot without its in-memory layers: what a long pass over the persistent layers holds, so that the
     * in-memory layers flushed meanwhile do not stay reachable (and uncounted by the node's budget) until it ends.
     */
    LayerMap persistentOnly() {
        return new LayerMap(null, List.of(), deltas, images);
    }

    LayerMap withOpen(InMemoryLayer layer) {
        return new LayerMap(layer, frozen, deltas, images);
    }

    /** Moves the open layer (already frozen) to the end of the frozen list. */
    LayerMap withOpenFrozen() {
        List<InMemoryLayer> newFrozen = new ArrayList<>(frozen);
        newFrozen.add(open);
        return new LayerMap(null, newFrozen, deltas, images);
    }

    /** Replaces the oldest frozen layer by the persistent layer it was flushed to. */
    LayerMap withFlushed(InMemoryLayer flushed, PersistentLayer layer) {
        if (frozen.isEmpty() || frozen.getFirst() != flushed) {
            throw new IllegalStateException("flushed layer " + flushed + " is not the oldest frozen layer");
        }
        List<PersistentLayer> newDeltas = new ArrayList<>(deltas);
        newDeltas.add(layer);
        return new LayerMap(open, frozen.subList(1, frozen.size()), newDeltas, images);
    }

    /** Removes {@code removed} and adds {@code added} persistent layers. */
    LayerMap withReplaced(Collection<PersistentLayer> removed, Collection<PersistentLayer> added) {
        Set<LayerName> gone = removed.stream().map(PersistentLayer::name).collect(Collectors.toSet());
        List<PersistentLayer> all = new ArrayList<>();
        for (PersistentLayer layer : persistent()) {
            if (!gone.contains(layer.name())) {
                all.add(layer);
            }
        }
        all.addAll(added);
        LayerMap map = of(all);
        return new LayerMap(open, frozen, map.deltas, map.images);
    }

    List<PersistentLayer> persistent() {
        List<PersistentLayer> all = new ArrayList<>(deltas);
        all.addAll(images);
        return all;
    }

    /** In-memory layers newest first: the open one, then frozen ones from newest to oldest. */
    List<InMemoryLayer> inMemoryNewestFirst() {
        List<InMemoryLayer> out = new ArrayList<>(frozen.size() + 1);
        if (open != null) {
            out.add(open);
        }
        for (int i = frozen.size() - 1; i >= 0; i--) {
            out.add(frozen.get(i));
        }
        return out;
    }

    /** The newest image layer holding {@code key} with LSN below {@code ceiling}, or null. */
    PersistentLayer bestImage(Key key, long ceilingExclusive) {
        for (PersistentLayer image : images) {
            if (image.lsnStart() < ceilingExclusive && image.containsKey(key)) {
                return image;
            }
        }
        return null;
    }

    List<PersistentLayer> l0() {
        return deltas.stream().filter(PersistentLayer::isL0)
                .sorted(Comparator.comparingLong(PersistentLayer::lsnStart)).toList();
    }

    boolean contains(LayerName name) {
        return persistent().stream().anyMatch(layer -> layer.name().equals(name));
    }
}
