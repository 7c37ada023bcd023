package dev.strata.core.layer;

import java.util.HashMap;
import java.util.Map;

/**
 * The last block read from each layer file by one pass that reads pages in key order (image creation), kept by
 * that pass instead of the node's {@link BlockCache}. Such a pass reads every block of the timeline once, and
 * filling the shared cache with them would evict the blocks that readers need and churn the old generation;
 * keeping the last block per file still serves the neighbouring keys that share it. Blocks already in the shared
 * cache are used from there. Not thread-safe: one pass, one thread.
 */
public final class BlockMemo {
    private record Held(long offset, DataBlock block) {}

    private final Map<Long, Held> lastBlocks = new HashMap<>();

    DataBlock get(long fileIdentity, long offset) {
        Held held = lastBlocks.get(fileIdentity);
        return held != null && held.offset() == offset ? held.block() : null;
    }

    void put(long fileIdentity, long offset, DataBlock block) {
        lastBlocks.put(fileIdentity, new Held(offset, block));
    }
}
