package dev.strata.core.layer;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds how many layer files a node keeps open. Past the limit, the least recently read file's channel is
 * closed; the file reopens it on its next read from disk (a read that raced the close retries on the new
 * channel). Without a bound, a node with many tenants runs out of file descriptors: every layer of every
 * timeline would hold one.
 *
 * <p>Thread-safe.
 */
public final class OpenLayerFiles {
    /** Open layer files a node keeps at most, by default. */
    public static final int DEFAULT_LIMIT = 4096;

    private final int limit;
    /** In access order: the first entry is the least recently read. */
    private final LinkedHashMap<LayerFile, Boolean> open = new LinkedHashMap<>(64, 0.75f, true);

    public OpenLayerFiles(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("open layer file limit must be at least 1, got " + limit);
        }
        this.limit = limit;
    }

    /** {@code file} opened its channel (or read from it): it becomes the most recent; the oldest may be closed. */
    void used(LayerFile file) {
        LayerFile oldest = null;
        synchronized (this) {
            open.put(file, Boolean.TRUE);
            if (open.size() > limit) {
                Iterator<Map.Entry<LayerFile, Boolean>> first = open.entrySet().iterator();
                oldest = first.next().getKey();
                first.remove();
            }
        }
        // Outside the lock: releasing takes the other file's own lock.
        if (oldest != null && oldest != file) {
            oldest.releaseChannel();
        }
    }

    /** {@code file} closed for good. */
    synchronized void closed(LayerFile file) {
        open.remove(file);
    }

    /** Layer files with an open channel now. */
    public synchronized int openCount() {
        return open.size();
    }

    public int limit() {
        return limit;
    }
}
