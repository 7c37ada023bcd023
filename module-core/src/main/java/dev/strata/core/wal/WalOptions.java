package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a {@link Wal} lays out and syncs its segments.
 *
 * @param segmentBytes     the largest size of a segment file, header included; a batch whose frame does not fit
 *                         in an empty segment is rejected. From {@value #MIN_SEGMENT_BYTES} to
 *                         {@value #MAX_SEGMENT_BYTES} bytes, so that a frame always fits one buffer
 * @param durability       when {@link Wal#waitDurable} returns
 * @param periodicInterval how often the background thread forces the log under {@link Durability#PERIODIC};
 *                         positive (checked under {@link Durability#FSYNC} too, so a switch is always valid)
 */
public record WalOptions(long segmentBytes, Durability durability, Duration periodicInterval) {
    /** Smallest accepted segment size: 64 KiB. */
    public static final long MIN_SEGMENT_BYTES = 64L << 10;
    /** Largest accepted segment size: 1 GiB, so frame lengths and buffers stay within an {@code int}. */
    public static final long MAX_SEGMENT_BYTES = 1L << 30;

    /** 16 MiB segments, fsync on every wait, 100 ms periodic interval. */
    public static final WalOptions DEFAULT = new WalOptions(16L << 20, Durability.FSYNC, Duration.ofMillis(100));

    public WalOptions {
        requireNonNull(durability, "durability is null");
        requireNonNull(periodicInterval, "periodicInterval is null");
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("invalid WAL segmentBytes " + segmentBytes + ": expected "
                    + MIN_SEGMENT_BYTES + " to " + MAX_SEGMENT_BYTES + " bytes");
        }
        if (periodicInterval.isNegative() || periodicInterval.isZero()) {
            throw new IllegalArgumentException("invalid WAL periodicInterval " + periodicInterval + ": must be positive");
        }
    }

    /** These options with another segment size. */
    public WalOptions withSegmentBytes(long bytes) {
        return new WalOptions(bytes, durability, periodicInterval);
    }

    /** These options with another durability. */
    public WalOptions withDurability(Durability newDurability) {
        return new WalOptions(segmentBytes, newDurability, periodicInterval);
    }
}
