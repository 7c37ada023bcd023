package dev.strata.core.timeline;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The number of leases held on one layer file, counted so that readers on different cores do not write one
 * cache line on every page read.
 *
 * <p>A count starts as one shared counter. The first time two threads collide on it (a failed compare-and-set),
 * it grows a set of padded stripes, and from then on each thread counts on the stripe its thread id hashes to.
 * Layers that are never read concurrently, most of a node's layers, stay at one counter.
 *
 * <p>Guarantees: {@link #increment} returns the slot it counted on, and the lease gives exactly that slot back
 * to {@link #decrement}, so every slot's value is at any moment the number of leases taken on it and not yet
 * given back, never negative. {@link #isZero} reads the slots one after another with volatile reads: a lease
 * held for the whole read keeps its slot at one or more, so {@code isZero} is never true while a lease is held
 * that was taken before it started. A lease taken while it runs is seen, or (the protocol of
 * {@link PersistentLayer}: increment, then read the volatile {@code closing} flag; set {@code closing}, then call
 * {@code isZero}) its taker sees the flag and gives the lease back.
 */
final class LeaseCount {
    /** The slot of the shared counter, before or besides the stripes. */
    static final int SHARED = -1;
    /** Longs between two stripes: 128 bytes, two cache lines, so that adjacent-line prefetch does not pair them. */
    private static final int PAD = 16;
    private static final int STRIPES = stripeCount(Runtime.getRuntime().availableProcessors());

    private final AtomicInteger shared = new AtomicInteger();
    private final AtomicReference<AtomicLongArray> stripes = new AtomicReference<>();

    /** A count at one shared counter. */
    LeaseCount() {
    }

    /** A count that has its stripes from the start when {@code striped}; for tests. */
    LeaseCount(boolean striped) {
        if (striped) {
            grow();
        }
    }

    /** Four stripes per processor (so that two busy threads rarely share one), a power of two, at most 64. */
    static int stripeCount(int processors) {
        int wanted = Math.clamp(4L * processors, 4, 64);
        return Integer.highestOneBit(wanted - 1) << 1;
    }

    /** Counts a lease and returns the slot to pass to {@link #decrement} when it is given back. */
    int increment() {
        AtomicLongArray striped = stripes.get();
        if (striped == null) {
            int seen = shared.get();
            if (shared.compareAndSet(seen, seen + 1)) {
                return SHARED;
            }
            striped = grow();
        }
        int stripe = stripeOf(Thread.currentThread().threadId());
        striped.getAndIncrement(stripe * PAD);
        return stripe;
    }

    /** Gives back a lease counted on {@code slot}. */
    void decrement(int slot) {
        if (slot == SHARED) {
            shared.decrementAndGet();
        } else {
            stripes.get().getAndDecrement(slot * PAD);
        }
    }

    /** True when no lease is held (see the class comment for what a concurrent {@link #increment} sees). */
    boolean isZero() {
        if (shared.get() != 0) {
            return false;
        }
        AtomicLongArray striped = stripes.get();
        if (striped == null) {
            return true;
        }
        for (int i = 0; i < STRIPES; i++) {
            if (striped.get(i * PAD) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the count has grown stripes; for tests. */
    boolean striped() {
        return stripes.get() != null;
    }

    private AtomicLongArray grow() {
        AtomicLongArray fresh = new AtomicLongArray(STRIPES * PAD);
        return stripes.compareAndSet(null, fresh) ? fresh : stripes.get();
    }

    /** A stripe for a thread id, mixed (MurmurHash3's finaliser) so that consecutive ids spread. */
    private static int stripeOf(long threadId) {
        long h = threadId;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h & (STRIPES - 1);
    }
}
