package dev.strata.core.cli;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Every version of every page one timeline of the synthetic workload has held, by the LSN of the batch that wrote
 * it, so {@code local ingest} can check a read at any earlier batch end without replaying the workload. A branch's
 * history falls back to its parent's at the branch point for pages the branch has not written.
 */
final class PageHistory {
    private final PageHistory parent;
    private final Lsn branchPoint;
    private final Map<Key, NavigableMap<Lsn, byte[]>> versions = new HashMap<>();
    private final List<Lsn> batchEnds = new ArrayList<>();

    /** The history of a root timeline. */
    PageHistory() {
        this.parent = null;
        this.branchPoint = null;
    }

    /** The history of a branch of {@code parent} at {@code branchPoint}, which counts as its first batch end. */
    PageHistory(PageHistory parent, Lsn branchPoint) {
        this.parent = Objects.requireNonNull(parent, "parent is null");
        this.branchPoint = Objects.requireNonNull(branchPoint, "branchPoint is null");
        batchEnds.add(branchPoint);
    }

    /** Records that the batch ending at {@code lsn} left {@code key} holding {@code page}. */
    void record(Key key, byte[] page, Lsn lsn) {
        versions.computeIfAbsent(key, k -> new TreeMap<>()).put(lsn, page);
    }

    /** Records that a batch ended at {@code lsn} (LSNs must be recorded in increasing order). */
    void batchEnd(Lsn lsn) {
        if (!batchEnds.isEmpty() && !lsn.isAfter(batchEnds.getLast())) {
            throw new IllegalArgumentException("batch end " + lsn + " is not after " + batchEnds.getLast());
        }
        batchEnds.add(lsn);
    }

    /** The batch ends recorded so far, oldest first. */
    List<Lsn> batchEnds() {
        return batchEnds;
    }

    /** The page {@code key} holds at {@code lsn}, or null if it was never written by then. */
    byte[] expected(Key key, Lsn lsn) {
        NavigableMap<Lsn, byte[]> pageVersions = versions.get(key);
        Entry<Lsn, byte[]> entry = pageVersions == null ? null : pageVersions.floorEntry(lsn);
        if (entry != null) {
            return entry.getValue();
        }
        return parent == null ? null : parent.expected(key, Lsn.min(lsn, branchPoint));
    }
}
