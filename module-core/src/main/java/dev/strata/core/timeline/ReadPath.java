package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.core.layer.BlockMemo;
import dev.strata.core.layer.CorruptLayerException;
import dev.strata.core.page.PageEntry;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a timeline rebuilds a page: take the current layer snapshot, collect the page's records newest first
 * (in-memory layers, then the deltas above the newest image that holds the key, then that image), continue
 * into the ancestor at the branch point when nothing initialised the page, and apply the records oldest
 * first. Takes no lock; a layer replaced under a reader (compaction, GC) closes its file, and the read starts
 * over on a new snapshot.
 */
final class ReadPath {
    private static final int READ_RETRIES = 8;

    private final Timeline timeline;

    ReadPath(Timeline timeline) {
        this.timeline = timeline;
    }

    /**
     * Rebuilds a page as of {@code lsn}, walking into ancestors; no range checks. A corrupt layer marks the
     * timeline that owns it broken.
     */
    byte[] reconstruct(Key key, Lsn lsn) throws IOException {
        return reconstruct(key, lsn, null);
    }

    /**
     * As {@link #reconstruct(Key, Lsn)}; with a {@code memo}, blocks not in the shared cache are kept there instead
     * of being cached (a pass that reads every page in key order).
     */
    byte[] reconstruct(Key key, Lsn lsn, BlockMemo memo) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Timeline current = timeline;
            try {
                Collected collected = new Collected(memo);
                long ceiling = lsn.value() + 1;
                while (!collect(current, key, ceiling, collected) && current.ancestor() != null) {
                    ceiling = current.ancestorLsn().value() + 1;
                    current = current.ancestor();
                }
                timeline.resources().metrics().layersVisited(collected.layersVisited);
                return apply(collected.entries);
            } catch (ClosedChannelException e) {
                // A layer was replaced (compaction, GC) while we read it: take a new snapshot.
                if (attempt >= READ_RETRIES) {
                    throw e;
                }
            } catch (CorruptLayerException e) {
                current.markBroken(e);
                throw e;
            }
        }
    }

    /**
     * Adds this timeline's values of {@code key} below {@code ceiling}, newest first, and returns true when
     * the page is complete (an initialising record was found, or an image layer settles it).
     */
    private static boolean collect(Timeline timeline, Key key, long ceiling, Collected collected) throws IOException {
        List<PageEntry> out = collected.entries;
        LayerMap map = timeline.layers();
        for (InMemoryLayer layer : map.inMemoryNewestFirst()) {
            if (layer.lsnStart().value() >= ceiling) {
                continue;
            }
            int before = out.size();
            layer.collect(key, 0, ceiling, out);
            if (endsAtInitialising(out, before)) {
                return true;
            }
        }
        PersistentLayer image = map.bestImage(key, ceiling);
        long floor = image == null ? 0 : image.lsnStart() + 1;
        for (PersistentLayer delta : map.deltas()) {
            if (delta.lsnStart() >= ceiling || delta.lsnEnd() <= floor || !delta.containsKey(key)) {
                continue;
            }
            int before = out.size();
            collected.layersVisited++;
            try (PersistentLayer.Lease lease = delta.acquire()) {
                if (collected.memo == null) {
                    lease.file().collectForRead(key, floor, ceiling, out);
                } else {
                    lease.file().collectForRead(key, floor, ceiling, out, collected.memo);
                }
            }
            if (endsAtInitialising(out, before)) {
                return true;
            }
        }
        if (image != null) {
            // The image layer covers the key: either it holds the page, or the page did not exist then.
            collected.layersVisited++;
            try (PersistentLayer.Lease lease = image.acquire()) {
                if (collected.memo == null) {
                    lease.file().collect(key, image.lsnStart(), image.lsnStart() + 1, out);
                } else {
                    lease.file().collect(key, image.lsnStart(), image.lsnStart() + 1, out, collected.memo);
                }
            }
            return true;
        }
        return false;
    }

    /** What one read gathered: the page's entries, newest first, and how many persistent layers it read. */
    private static final class Collected {
        final List<PageEntry> entries = new ArrayList<>();
        /** Where blocks of a key-order pass are kept; null for reads that use the shared cache. */
        final BlockMemo memo;
        int layersVisited;

        Collected(BlockMemo memo) {
            this.memo = memo;
        }
    }

    /** True (after dropping everything older) when the entries added since {@code from} hold an initialising one. */
    private static boolean endsAtInitialising(List<PageEntry> entries, int from) {
        for (int i = from; i < entries.size(); i++) {
            if (entries.get(i).record().initializes()) {
                entries.subList(i + 1, entries.size()).clear();
                return true;
            }
        }
        return false;
    }

    private byte[] apply(List<PageEntry> newestFirst) {
        if (newestFirst.isEmpty()) {
            return null;
        }
        byte[] page = null;
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            page = timeline.resources().redo().apply(page, newestFirst.get(i).record());
        }
        return page;
    }

    /** Keys in [from, to) with any value at or below {@code lsn}, here or in ancestors below the branch point. */
    /** Failpoint hit before a key listing ({@link #keysAt}) reads the keys of each persistent layer. */
    static final String FAILPOINT_KEYS_BEFORE_LAYER = "keys-before-layer";

    /**
     * Adds the keys of {@code timeline}'s in-memory layers and returns its persistent layers. No layer map stays
     * on the caller's stack: listing the persistent layers reads every block of every file (seconds for an image
     * pass), and a map held that long keeps an in-memory layer that is flushed meanwhile, hundreds of MiB, reachable.
     */
    private static List<PersistentLayer> addInMemoryKeys(Timeline timeline, Key from, Key to, long ceiling,
                                                         Set<Key> keys) {
        LayerMap map = timeline.layers();
        for (InMemoryLayer layer : map.inMemoryNewestFirst()) {
            layer.keys(from, to, ceiling, keys);
        }
        return map.persistent();
    }

    Set<Key> keysAt(Key from, Key to, Lsn lsn) throws IOException {
        Set<Key> keys = new TreeSet<>();
        Timeline current = this.timeline;
        long ceiling = lsn.value() + 1;
        while (current != null) {
            for (PersistentLayer layer : addInMemoryKeys(current, from, to, ceiling, keys)) {
                current.resources().failpoints().hit(FAILPOINT_KEYS_BEFORE_LAYER);
                if (layer.lsnStart() >= ceiling || layer.name().keyEnd().compareTo(from) <= 0
                        || layer.name().keyStart().compareTo(to) >= 0) {
                    continue;
                }
                try (PersistentLayer.Lease lease = layer.acquire()) {
                    lease.file().keys(from, to, ceiling, keys);
                }
            }
            if (current.ancestor() != null) {
                ceiling = current.ancestorLsn().value() + 1;
            }
            current = current.ancestor();
        }
        return keys;
    }
}
