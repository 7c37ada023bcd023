package dev.strata.core.tiered;

import java.time.Duration;
import java.util.Objects;

/**
 * When a node deletes local layer files that remote storage holds (they are downloaded again on demand).
 *
 * @param period           how often the node checks
 * @param idleThreshold    a layer not read for this long is evicted; zero turns access-time eviction off
 * @param maxUsagePercent  when the work directory's file system is fuller than this, the least recently read
 *                         layers are evicted until it is not; 100 turns usage-based eviction off
 * @param minFreeBytes     likewise, when less than this is free; 0 turns it off
 * @param minResidence     a layer read or downloaded more recently than this is never evicted, so a layer that
 *                         compaction or a reader is about to use again does not thrash between disk and bucket
 */
public record EvictionPolicy(Duration period, Duration idleThreshold, int maxUsagePercent, long minFreeBytes,
                             Duration minResidence) {
    /** Evicts layers idle for a day, and least recently read ones when the disk is over 85% full. */
    public static final EvictionPolicy DEFAULT = new EvictionPolicy(Duration.ofMinutes(1), Duration.ofDays(1), 85, 0,
            Duration.ofMinutes(5));

    public EvictionPolicy {
        Objects.requireNonNull(period, "period is null");
        Objects.requireNonNull(idleThreshold, "idleThreshold is null");
        Objects.requireNonNull(minResidence, "minResidence is null");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("eviction period must be positive, got " + period);
        }
        if (idleThreshold.isNegative()) {
            throw new IllegalArgumentException("eviction idle threshold must not be negative, got " + idleThreshold);
        }
        if (maxUsagePercent < 1 || maxUsagePercent > 100) {
            throw new IllegalArgumentException("eviction max usage must be 1 to 100 percent, got " + maxUsagePercent);
        }
        if (minFreeBytes < 0) {
            throw new IllegalArgumentException("eviction min free bytes must not be negative, got " + minFreeBytes);
        }
        if (minResidence.isNegative()) {
            throw new IllegalArgumentException("eviction min residence must not be negative, got " + minResidence);
        }
    }
}
