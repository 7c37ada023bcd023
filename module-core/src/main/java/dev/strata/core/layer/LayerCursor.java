package dev.strata.core.layer;

import dev.strata.core.page.PageEntry;
import java.io.IOException;

/**
 * A forward iteration over the entries of a layer file in (key, LSN) order. Not thread-safe: one cursor
 * belongs to one reader. Closing it is cheap and idempotent; the layer file stays open.
 */
public interface LayerCursor extends AutoCloseable {
    /**
     * Moves to the next entry.
     *
     * @return false when there are no more entries in the cursor's range
     * @throws CorruptLayerException when a block read on the way fails its checksum
     */
    boolean next() throws IOException;

    /**
     * The entry that the last successful {@link #next()} moved to.
     *
     * @throws IllegalStateException before the first {@code next()} or after it returned false
     */
    PageEntry entry();

    @Override
    void close() throws IOException;
}
