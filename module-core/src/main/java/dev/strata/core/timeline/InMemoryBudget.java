package dev.strata.core.timeline;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node-wide bound on the bytes that in-memory layers hold, open and frozen, until they are flushed.
 *
 * <p>Each timeline bounds its own in-memory layers by {@code checkpoint_distance} and {@code max_frozen_layers};
 * this budget bounds their sum over the node, so that many timelines written at once cannot fill the heap
 * (Neon bounds its ephemeral layers node-wide in the same way). Two rules keep the sum near the limit:
 * <ul>
 *   <li>When the sum is over the limit, a writer whose open layer holds at least its fair share (half the limit
 *       divided by the number of non-empty open layers) freezes that layer, so the largest writers freeze first
 *       and small ones are left alone ({@link #shouldFreeze}).</li>
 *   <li>While frozen layers alone hold the limit or more, every writer waits for flushes before it appends
 *       ({@link #awaitRoom}).</li>
 * </ul>
 * The sum can therefore pass the limit by the open layers below their fair share (at most half the limit) and
 * the last layer frozen. Each timeline reports through its own {@link Account}; the totals are exact as long as
 * every account is {@linkplain Account#close() closed} when its timeline stops.
 */
public final class InMemoryBudget {
    /** Smallest accepted limit; below it layers would be cut to a few kilobytes. */
    public static final long MIN_LIMIT_BYTES = 1L << 20;
    /** Smallest default limit, whatever the heap. */
    static final long MIN_DEFAULT_BYTES = 64L << 20;

    private final long limitBytes;
    private final AtomicLong openBytes = new AtomicLong();
    private final AtomicLong frozenBytes = new AtomicLong();
    private final AtomicInteger openLayers = new AtomicInteger();
    private final LongAdder budgetFreezes = new LongAdder();
    private final LongAdder stalledNanos = new LongAdder();
    private final AtomicLong flushes = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();

    /**
     * @param limitBytes bytes the in-memory layers of all timelines may hold together, at least
     *                   {@link #MIN_LIMIT_BYTES}
     */
    public InMemoryBudget(long limitBytes) {
        if (limitBytes < MIN_LIMIT_BYTES) {
            throw new IllegalArgumentException("in_memory_layer_bytes must be at least " + MIN_LIMIT_BYTES + ", got "
                    + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    /**
     * The default limit: half of what the heap holds beside the block cache, and at least
     * {@value #MIN_DEFAULT_BYTES} bytes.
     */
    public static long defaultLimit(long maxHeapBytes, long blockCacheBytes) {
        return Math.max(MIN_DEFAULT_BYTES, (maxHeapBytes - blockCacheBytes) / 2);
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** Bytes in open and frozen in-memory layers, node-wide. */
    public long usedBytes() {
        return openBytes.get() + frozenBytes.get();
    }

    /** Bytes in frozen in-memory layers waiting for flush, node-wide. */
    public long frozenBytes() {
        return frozenBytes.get();
    }

    /** Open layers frozen early because the node was over its budget, since start. */
    public long budgetFreezes() {
        return budgetFreezes.sum();
    }

    /** Nanoseconds writers waited in {@link #awaitRoom}, summed, since start. */
    public long stalledNanos() {
        return stalledNanos.sum();
    }

    /** A new account for one timeline's in-memory layers. */
    public Account account() {
        return new Account();
    }

    /**
     * Whether a writer whose open layer holds {@code ownOpenBytes} should freeze it now: the node is over its limit
     * and the layer holds at least its fair share. Counts a freeze when it answers true.
     */
    boolean shouldFreeze(long ownOpenBytes) {
        if (ownOpenBytes <= 0 || usedBytes() <= limitBytes) {
            return false;
        }
        long fairShare = limitBytes / (2L * Math.max(1, openLayers.get()));
        if (ownOpenBytes < fairShare) {
            return false;
        }
        budgetFreezes.increment();
        return true;
    }

    /**
     * Waits while frozen layers hold the limit or more, running {@code retryFlush} at every wake-up (the caller's
     * own flush may be the one that failed).
     *
     * @param stallLimit how long to wait without any flush finishing node-wide before giving up
     * @return null when there is room, or a description of the stall when no flush finished within
     *         {@code stallLimit}
     */
    String awaitRoom(Runnable retryFlush, Duration stallLimit) throws InterruptedException {
        if (frozenBytes.get() < limitBytes) {
            return null;
        }
        long started = System.nanoTime();
        long progressAt = started;
        long flushesSeen = flushes.get();
        lock.lock();
        try {
            while (frozenBytes.get() >= limitBytes) {
                long now = System.nanoTime();
                long seen = flushes.get();
                if (seen != flushesSeen) {
                    flushesSeen = seen;
                    progressAt = now;
                } else if (now - progressAt > stallLimit.toNanos()) {
                    return "frozen in-memory layers hold " + frozenBytes.get() + " bytes of the node's "
                            + limitBytes + "-byte in_memory_layer_bytes and no flush finished in " + stallLimit;
                }
                retryFlush.run();
                drained.await(100, TimeUnit.MILLISECONDS);
            }
            return null;
        } finally {
            lock.unlock();
            stalledNanos.add(System.nanoTime() - started);
        }
    }

    private void signalDrained() {
        flushes.incrementAndGet();
        lock.lock();
        try {
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * What one timeline holds in memory, as it last reported: the bytes of its open layer and of its frozen
     * layers. Called by the timeline's writer (under its ingest lock), its flush and its close; synchronized, since
     * those are different threads.
     */
    public final class Account {
        private long open;
        private long frozen;
        private boolean closed;

        private Account() {
        }

        /** The open layer now holds {@code openLayerBytes} (it only grows until it is frozen). */
        synchronized void grew(long openLayerBytes) {
            if (closed || openLayerBytes == open) {
                return;
            }
            if (open == 0) {
                openLayers.incrementAndGet();
            }
            openBytes.addAndGet(openLayerBytes - open);
            open = openLayerBytes;
        }

        /** The open layer, holding {@code layerBytes}, was frozen. */
        synchronized void froze(long layerBytes) {
            grew(layerBytes);
            if (closed || open == 0) {
                return;
            }
            openBytes.addAndGet(-open);
            openLayers.decrementAndGet();
            frozenBytes.addAndGet(open);
            frozen += open;
            open = 0;
        }

        /** A frozen layer of {@code layerBytes} was flushed and left memory. */
        void flushed(long layerBytes) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                long released = Math.min(layerBytes, frozen);
                frozen -= released;
                frozenBytes.addAndGet(-released);
            }
            signalDrained();
        }

        /** The timeline stopped: whatever it still held leaves the budget. Idempotent. */
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (open > 0) {
                    openBytes.addAndGet(-open);
                    openLayers.decrementAndGet();
                }
                frozenBytes.addAndGet(-frozen);
                open = 0;
                frozen = 0;
            }
            signalDrained();
        }
    }
}
