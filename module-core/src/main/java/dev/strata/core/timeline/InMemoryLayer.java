package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import dev.strata.api.PageRecordCodec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recent values of a timeline, held in memory until they are flushed as an L0 delta layer.
 *
 * <p>While open it accepts records with LSN at or above {@link #lsnStart()} from one writer at a time (the
 * timeline's ingest lock) and serves any number of readers. {@link #freeze} fixes the exclusive end LSN; a
 * frozen layer is immutable. LSNs are compared as signed longs here: the engine never assigns LSNs at or
 * above 2^63.
 */
final class InMemoryLayer {
    private final Lsn lsnStart;
    private final long createdNanos = System.nanoTime();
    private final ConcurrentSkipListMap<Key, ConcurrentSkipListMap<Long, PageRecord>> values = new ConcurrentSkipListMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private volatile Lsn lsnEnd;
    private volatile long entries;

    InMemoryLayer(Lsn lsnStart) {
        this.lsnStart = lsnStart;
    }

    Lsn lsnStart() {
        return lsnStart;
    }

    /** Exclusive end, or null while open. */
    Lsn lsnEnd() {
        return lsnEnd;
    }

    long bytes() {
        return bytes.get();
    }

    long entryCount() {
        return entries;
    }

    boolean isEmpty() {
        return entries == 0;
    }

    long ageNanos() {
        return System.nanoTime() - createdNanos;
    }

    /** Adds one record. Caller holds the timeline's ingest lock. */
    void put(Key key, Lsn lsn, PageRecord record) {
        if (lsnEnd != null) {
            throw new IllegalStateException("in-memory layer starting at " + lsnStart + " is frozen");
        }
        values.computeIfAbsent(key, k -> new ConcurrentSkipListMap<>()).put(lsn.value(), record);
        bytes.addAndGet(Key.BYTES + 8 + PageRecordCodec.encodedSize(record));
        entries++;
    }

    void freeze(Lsn end) {
        if (!end.isAfter(lsnStart)) {
            throw new IllegalStateException("frozen end " + end + " is not after start " + lsnStart);
        }
        this.lsnEnd = end;
    }

    /**
     * Adds entries of {@code key} with floor <= lsn < ceiling to {@code out}, newest first, stopping after the
     * newest record that initialises the page (a read needs nothing older).
     */
    void collect(Key key, long floorInclusive, long ceilingExclusive, List<PageEntry> out) {
        ConcurrentSkipListMap<Long, PageRecord> versions = values.get(key);
        if (versions == null || floorInclusive >= ceilingExclusive) {
            return;
        }
        for (Map.Entry<Long, PageRecord> entry : versions.subMap(floorInclusive, ceilingExclusive).descendingMap().entrySet()) {
            out.add(new PageEntry(key, Lsn.of(entry.getKey()), entry.getValue()));
            if (entry.getValue().initializes()) {
                return;
            }
        }
    }

    /** Keys in [from, to) that have a value below {@code ceiling}. */
    void keys(Key from, Key to, long ceilingExclusive, java.util.Set<Key> out) {
        for (Map.Entry<Key, ConcurrentSkipListMap<Long, PageRecord>> entry : values.subMap(from, to).entrySet()) {
            if (!entry.getValue().headMap(ceilingExclusive).isEmpty()) {
                out.add(entry.getKey());
            }
        }
    }

    /** Every entry in (key, LSN) order; used to flush a frozen layer. */
    Iterable<PageEntry> entriesInOrder() {
        return () -> values.entrySet().stream()
                .flatMap(byKey -> byKey.getValue().entrySet().stream()
                        .map(version -> new PageEntry(byKey.getKey(), Lsn.of(version.getKey()), version.getValue())))
                .iterator();
    }

    @Override
    public String toString() {
        return "InMemoryLayer[" + lsnStart + ".." + (lsnEnd == null ? "open" : lsnEnd) + ", " + entries + " entries]";
    }
}
