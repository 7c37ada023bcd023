package dev.strata.core.timeline;

import dev.strata.core.layer.LayerWriteOptions;
import dev.strata.core.wal.WalOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-timeline tuning. Every value has a default ({@link #DEFAULT}) and is checked here, so a bad value is
 * reported with its name before any timeline starts.
 *
 * @param checkpointDistance bytes of records in the open in-memory layer before it is frozen and flushed
 * @param checkpointTimeout age of the open in-memory layer after which it is frozen even if small
 * @param maxFrozenLayers frozen layers waiting for flush before writers are held back
 * @param compactionThreshold number of L0 layers that triggers an L0 to L1 compaction
 * @param compactionTargetSize target size of each L1 layer and image layer written by compaction
 * @param imageCreationThreshold deltas over a key range since its last image that trigger a new image
 * @param gcHorizon bytes of WAL (LSN distance) behind the last record that GC always keeps readable
 * @param pitrInterval time window that GC always keeps readable
 * @param wal WAL segment size and durability
 * @param layerWrite block size and compression of layer files
 * @param gcPeriod how often the background scheduler runs GC on a timeline
 * @param evictionIdleThreshold a layer of this timeline not read for this long loses its local file; empty: the
 *                              node's {@code [eviction] idle_threshold}; zero turns access-time eviction off
 */
public record TimelineSettings(long checkpointDistance, Duration checkpointTimeout, int maxFrozenLayers,
                               int compactionThreshold, long compactionTargetSize, int imageCreationThreshold,
                               long gcHorizon, Duration pitrInterval, WalOptions wal, LayerWriteOptions layerWrite,
                               Duration gcPeriod, Optional<Duration> evictionIdleThreshold) {

    public static final TimelineSettings DEFAULT = new TimelineSettings(256L << 20, Duration.ofMinutes(10), 2, 10,
            128L << 20, 3, 64L << 20, Duration.ofDays(7), WalOptions.DEFAULT, LayerWriteOptions.DEFAULT,
            Duration.ofHours(1), Optional.empty());

    public TimelineSettings {
        requirePositive("checkpoint_distance", checkpointDistance);
        Objects.requireNonNull(checkpointTimeout, "checkpoint_timeout is null");
        if (checkpointTimeout.isNegative() || checkpointTimeout.isZero()) {
            throw new IllegalArgumentException("checkpoint_timeout must be positive, got " + checkpointTimeout);
        }
        requirePositive("max_frozen_layers", maxFrozenLayers);
        if (compactionThreshold < 2) {
            throw new IllegalArgumentException("compaction_threshold must be at least 2, got " + compactionThreshold);
        }
        requirePositive("compaction_target_size", compactionTargetSize);
        requirePositive("image_creation_threshold", imageCreationThreshold);
        if (gcHorizon < 0) {
            throw new IllegalArgumentException("gc_horizon must not be negative, got " + gcHorizon);
        }
        Objects.requireNonNull(pitrInterval, "pitr_interval is null");
        if (pitrInterval.isNegative()) {
            throw new IllegalArgumentException("pitr_interval must not be negative, got " + pitrInterval);
        }
        Objects.requireNonNull(wal, "wal is null");
        Objects.requireNonNull(layerWrite, "layer_write is null");
        Objects.requireNonNull(gcPeriod, "gc_period is null");
        if (gcPeriod.isNegative() || gcPeriod.isZero()) {
            throw new IllegalArgumentException("gc_period must be positive, got " + gcPeriod);
        }
        Objects.requireNonNull(evictionIdleThreshold, "eviction_idle_threshold is null");
        if (evictionIdleThreshold.isPresent() && evictionIdleThreshold.get().isNegative()) {
            throw new IllegalArgumentException("eviction_idle_threshold must not be negative, got "
                    + evictionIdleThreshold.get());
        }
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    public TimelineSettings withCheckpointDistance(long bytes) {
        return new TimelineSettings(bytes, checkpointTimeout, maxFrozenLayers, compactionThreshold, compactionTargetSize,
                imageCreationThreshold, gcHorizon, pitrInterval, wal, layerWrite, gcPeriod, evictionIdleThreshold);
    }

    public TimelineSettings withCompaction(int threshold, long targetSize, int imageThreshold) {
        return new TimelineSettings(checkpointDistance, checkpointTimeout, maxFrozenLayers, threshold, targetSize,
                imageThreshold, gcHorizon, pitrInterval, wal, layerWrite, gcPeriod, evictionIdleThreshold);
    }

    public TimelineSettings withGc(long horizon, Duration pitr) {
        return new TimelineSettings(checkpointDistance, checkpointTimeout, maxFrozenLayers, compactionThreshold,
                compactionTargetSize, imageCreationThreshold, horizon, pitr, wal, layerWrite, gcPeriod, evictionIdleThreshold);
    }

    public TimelineSettings withWal(WalOptions options) {
        return new TimelineSettings(checkpointDistance, checkpointTimeout, maxFrozenLayers, compactionThreshold,
                compactionTargetSize, imageCreationThreshold, gcHorizon, pitrInterval, options, layerWrite, gcPeriod, evictionIdleThreshold);
    }

    public TimelineSettings withCheckpointTimeout(Duration timeout) {
        return new TimelineSettings(checkpointDistance, timeout, maxFrozenLayers, compactionThreshold, compactionTargetSize,
                imageCreationThreshold, gcHorizon, pitrInterval, wal, layerWrite, gcPeriod, evictionIdleThreshold);
    }

    public TimelineSettings withLayerWrite(LayerWriteOptions options) {
        return new TimelineSettings(checkpointDistance, checkpointTimeout, maxFrozenLayers, compactionThreshold,
                compactionTargetSize, imageCreationThreshold, gcHorizon, pitrInterval, wal, options, gcPeriod, evictionIdleThreshold);
    }

    public TimelineSettings withGcPeriod(Duration period) {
        return new TimelineSettings(checkpointDistance, checkpointTimeout, maxFrozenLayers, compactionThreshold,
                compactionTargetSize, imageCreationThreshold, gcHorizon, pitrInterval, wal, layerWrite, period, evictionIdleThreshold);
    }

    public TimelineSettings withMaxFrozenLayers(int layers) {
        return new TimelineSettings(checkpointDistance, checkpointTimeout, layers, compactionThreshold, compactionTargetSize,
                imageCreationThreshold, gcHorizon, pitrInterval, wal, layerWrite, gcPeriod, evictionIdleThreshold);
    }

    public TimelineSettings withEvictionIdleThreshold(Optional<Duration> threshold) {
        return new TimelineSettings(checkpointDistance, checkpointTimeout, maxFrozenLayers, compactionThreshold,
                compactionTargetSize, imageCreationThreshold, gcHorizon, pitrInterval, wal, layerWrite, gcPeriod, threshold);
    }
}
