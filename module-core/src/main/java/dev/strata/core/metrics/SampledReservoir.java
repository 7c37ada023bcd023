package dev.strata.core.metrics;

import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A reservoir for values recorded on every page read: once its lock-free exponentially decaying sample is full
 * ({@value #FULL} values, so a quiet node keeps every value), it passes one update in {@code every}, chosen at
 * random, to that sample and drops the rest. Quantiles of a uniform random sample are
 * unbiased estimates of the quantiles of all updates, while the reservoir's own cost (a skip-list insert and an
 * exponential per update, a sizeable part of a cached read of a few microseconds) is paid only for the sample.
 * Counts are not affected: a {@link com.codahale.metrics.Timer} counts through its meter, which sees every update.
 */
final class SampledReservoir implements Reservoir {
    private static final int FULL = 1024;
    private final Reservoir sample = LockFreeExponentiallyDecayingReservoir.builder().size(FULL).build();
    private final int every;
    /** Set once the sample holds {@value #FULL} values; racy on purpose (a few extra kept updates do no harm). */
    private volatile boolean full;

    /** @param every keep one update in this many (at least 1) */
    SampledReservoir(int every) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be at least 1, got " + every);
        }
        this.every = every;
    }

    @Override
    public int size() {
        return sample.size();
    }

    @Override
    public void update(long value) {
        if (!full) {
            sample.update(value);
            full = sample.size() >= FULL;
        } else if (every == 1 || ThreadLocalRandom.current().nextInt(every) == 0) {
            sample.update(value);
        }
    }

    @Override
    public Snapshot getSnapshot() {
        return sample.getSnapshot();
    }
}
