package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node-wide cache of decoded layer blocks, shared by every open {@link LayerFile}.
 *
 * <p>Guarantees: thread-safe; the decoded bytes of the blocks it holds never exceed {@code capacityBytes}
 * (each block is charged its body plus a small fixed overhead, and a block larger than the whole capacity is
 * not cached at all); a block is keyed by the identity of the open file, which {@link LayerFile} draws anew
 * at every open, and by the block's offset, so a file that was closed, deleted and written again can never
 * be served stale bytes; closing a file drops its blocks.
 *
 * <p>Eviction is CLOCK (second chance), an approximation of LRU chosen so that a hit is a lock-free map
 * lookup plus at most one volatile write; only inserting, which follows a disk read anyway, takes a lock.
 */
public final class BlockCache {
    private final long capacityBytes;
    private final OpenLayerFiles openFiles;
    private final ConcurrentHashMap<BlockKey, Slot> slots = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Every cached slot once, oldest first; the clock hand is its head. Guarded by {@link #lock}. */
    private final ArrayDeque<Slot> clock = new ArrayDeque<>();
    /** Written under {@link #lock}, read without it. */
    private final AtomicLong sizeBytes = new AtomicLong();
    private final AtomicLong nextFileIdentity = new AtomicLong();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /**
     * A cache whose layer files keep at most {@link OpenLayerFiles#DEFAULT_LIMIT} open.
     *
     * @param capacityBytes bound on the decoded bytes held; 0 caches nothing (every lookup misses)
     */
    public BlockCache(long capacityBytes) {
        this(capacityBytes, OpenLayerFiles.DEFAULT_LIMIT);
    }

    /** Likewise, with layer files keeping at most {@code maxOpenFiles} open. */
    public BlockCache(long capacityBytes, int maxOpenFiles) {
        this.openFiles = new OpenLayerFiles(maxOpenFiles);
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacityBytes is negative: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    /** The bound on open layer files that goes with this cache. */
    public OpenLayerFiles openFiles() {
        return openFiles;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Lookups that found their block. */
    public long hits() {
        return hits.sum();
    }

    /** Lookups that did not, so the block was read from disk. */
    public long misses() {
        return misses.sum();
    }

    /** Blocks dropped to stay within the capacity (not counting those dropped when their file closed). */
    public long evictions() {
        return evictions.sum();
    }

    /** Bytes currently charged to cached blocks; never above {@link #capacityBytes()}. */
    public long sizeBytes() {
        return sizeBytes.get();
    }

    /** Number of blocks currently cached. */
    public int blockCount() {
        return slots.size();
    }

    /** A new identity for an opened file; never reused within this cache. */
    long newFileIdentity() {
        return nextFileIdentity.incrementAndGet();
    }

    /** The cached block, or null (counted as a miss) when it is not cached. */
    DataBlock get(long fileIdentity, long offset) {
        Slot slot = slots.get(new BlockKey(fileIdentity, offset));
        if (slot == null) {
            misses.increment();
            return null;
        }
        hits.increment();
        if (!slot.referenced) {
            // Written only when clear, so hot blocks do not bounce their cache line between reader cores.
            slot.referenced = true;
        }
        return slot.block;
    }

    /** Caches a block just read, evicting others as needed. A block already cached is kept as it is. */
    void put(long fileIdentity, long offset, DataBlock block) {
        requireNonNull(block, "block is null");
        if (block.sizeBytes() > capacityBytes) {
            return;
        }
        Slot slot = new Slot(new BlockKey(fileIdentity, offset), block);
        lock.lock();
        try {
            if (slots.putIfAbsent(slot.key, slot) != null) {
                return;
            }
            // Make room first, so that a concurrent reader of sizeBytes() never sees the capacity exceeded.
            while (sizeBytes.get() + slot.block.sizeBytes() > capacityBytes) {
                evictOne();
            }
            clock.addLast(slot);
            sizeBytes.addAndGet(slot.block.sizeBytes());
        } finally {
            lock.unlock();
        }
    }

    /** Drops every block of a file; called when the file is closed. */
    void invalidate(long fileIdentity) {
        lock.lock();
        try {
            clock.removeIf(slot -> {
                if (slot.key.fileIdentity() != fileIdentity) {
                    return false;
                }
                slots.remove(slot.key, slot);
                sizeBytes.addAndGet(-slot.block.sizeBytes());
                return true;
            });
        } finally {
            lock.unlock();
        }
    }

    /** Advances the clock hand to the first slot not referenced since the hand last passed, and drops it. */
    private void evictOne() {
        while (true) {
            Slot slot = clock.pollFirst();
            if (slot == null) {
                throw new IllegalStateException("cache charges " + sizeBytes.get() + " bytes but holds no block");
            }
            if (slot.referenced) {
                slot.referenced = false;
                clock.addLast(slot);
                continue;
            }
            slots.remove(slot.key, slot);
            sizeBytes.addAndGet(-slot.block.sizeBytes());
            evictions.increment();
            return;
        }
    }

    @Override
    public String toString() {
        return "BlockCache[" + sizeBytes() + "/" + capacityBytes + " bytes, " + blockCount() + " blocks, "
                + hits() + " hits, " + misses() + " misses]";
    }

    private record BlockKey(long fileIdentity, long offset) {}

    private static final class Slot {
        final BlockKey key;
        final DataBlock block;
        volatile boolean referenced;

        Slot(BlockKey key, DataBlock block) {
            this.key = key;
            this.block = block;
        }
    }
}
