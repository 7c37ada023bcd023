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
 * @param spareSegments    how many trimmed segment files the WAL keeps to write its next segments into, from 0
 *                         to {@value #MAX_SPARE_SEGMENTS}. Appending into blocks a file already has makes each
 *                         force cheaper (the file's size and block map do not change), so a busy WAL reuses its
 *                         trimmed files rather than growing new ones; the spares are removed when the WAL closes
 */
public record WalOptions(long segmentBytes, Durability durability, Duration periodicInterval, int spareSegments) {
    /** Smallest accepted segment size: 64 KiB. */
    public static final long MIN_SEGMENT_BYTES = 64L << 10;
    /** Largest accepted segment size: 1 GiB, so frame lengths and buffers stay within an {@code int}. */
    public static final long MAX_SEGMENT_BYTES = 1L << 30;

    /** Most spare segments a WAL may keep. */
    public static final int MAX_SPARE_SEGMENTS = 1024;
    /**
     * Spare segments by default: 16, which at the default segment size is the default checkpoint distance of
     * 256 MiB, the WAL a busy timeline writes between two trims.
     */
    public static final int DEFAULT_SPARE_SEGMENTS = 16;

    /** 16 MiB segments, fsync on every wait, 100 ms periodic interval, 16 spare segments. */
    public static final WalOptions DEFAULT = new WalOptions(16L << 20, Durability.FSYNC, Duration.ofMillis(100),
            DEFAULT_SPARE_SEGMENTS);

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
        if (spareSegments < 0 || spareSegments > MAX_SPARE_SEGMENTS) {
            throw new IllegalArgumentException("invalid WAL spareSegments " + spareSegments + ": expected 0 to "
                    + MAX_SPARE_SEGMENTS);
        }
    }

    /** Options with {@value #DEFAULT_SPARE_SEGMENTS} spare segments. */
    public WalOptions(long segmentBytes, Durability durability, Duration periodicInterval) {
        this(segmentBytes, durability, periodicInterval, DEFAULT_SPARE_SEGMENTS);
    }

    /** These options with another segment size. */
    public WalOptions withSegmentBytes(long bytes) {
        return new WalOptions(bytes, durability, periodicInterval, spareSegments);
    }

    /** These options with another durability. */
    public WalOptions withDurability(Durability newDurability) {
        return new WalOptions(segmentBytes, newDurability, periodicInterval, spareSegments);
    }

    /** These options with another number of spare segments. */
    public WalOptions withSpareSegments(int count) {
        return new WalOptions(segmentBytes, durability, periodicInterval, count);
    }
}
