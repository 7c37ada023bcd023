package dev.strata.core.tenant;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far a tenant's attach from remote storage got: indexes downloaded, then timelines (and the layers their
 * indexes list) loaded. Written by the attaching thread, read by any; each count is exact, the set of counts
 * is not a snapshot.
 */
public final class AttachProgress {
    private final AtomicInteger indexesLoaded = new AtomicInteger();
    private final AtomicInteger timelinesTotal = new AtomicInteger(-1);
    private final AtomicInteger timelinesAttached = new AtomicInteger();
    private final AtomicLong layersTotal = new AtomicLong();
    private final AtomicLong layersAttached = new AtomicLong();

    void indexLoaded() {
        indexesLoaded.incrementAndGet();
    }

    void timelinesToAttach(int timelines, long layers) {
        layersTotal.set(layers);
        timelinesTotal.set(timelines);
    }

    void timelineAttached(long layers) {
        layersAttached.addAndGet(layers);
        timelinesAttached.incrementAndGet();
    }

    /** Indexes downloaded so far. */
    public int indexesLoaded() {
        return indexesLoaded.get();
    }

    /** Timelines to load, or -1 while indexes are still being downloaded. */
    public int timelinesTotal() {
        return timelinesTotal.get();
    }

    public int timelinesAttached() {
        return timelinesAttached.get();
    }

    /** Layers the indexes of the timelines to load list. */
    public long layersTotal() {
        return layersTotal.get();
    }

    /** Layers listed by the timelines loaded so far. */
    public long layersAttached() {
        return layersAttached.get();
    }
}
