package dev.strata.core.tenant;

import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.timeline.TimelineSettings;
import java.util.Objects;

/**
 * How an engine is built.
 *
 * @param timelineSettings settings every timeline starts with
 * @param blockCacheBytes capacity of the node-wide block cache
 * @param backgroundThreads threads for flush, compaction and GC
 * @param failpoints where tests inject failures
 * @param io how layer and WAL files are opened
 * @param backgroundCompaction whether the engine runs compaction and GC by itself (tests that drive them
 *                             directly turn it off)
 */
public record EngineOptions(TimelineSettings timelineSettings, long blockCacheBytes, int backgroundThreads,
                            Failpoints failpoints, FileIo io, boolean backgroundCompaction) {
    public static final EngineOptions DEFAULT = new EngineOptions(TimelineSettings.DEFAULT, 256L << 20, 2,
            Failpoints.disabled(), FileIo.DEFAULT, true);

    public EngineOptions {
        Objects.requireNonNull(timelineSettings, "timelineSettings is null");
        Objects.requireNonNull(failpoints, "failpoints is null");
        Objects.requireNonNull(io, "io is null");
        if (blockCacheBytes < 0) {
            throw new IllegalArgumentException("block_cache_bytes must not be negative, got " + blockCacheBytes);
        }
        if (backgroundThreads < 1) {
            throw new IllegalArgumentException("background_threads must be at least 1, got " + backgroundThreads);
        }
    }

    public EngineOptions withTimelineSettings(TimelineSettings settings) {
        return new EngineOptions(settings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction);
    }

    public EngineOptions withFailpoints(Failpoints points) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, points, io, backgroundCompaction);
    }

    public EngineOptions withIo(FileIo fileIo) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, fileIo, backgroundCompaction);
    }

    public EngineOptions withBackgroundThreads(int threads) {
        return new EngineOptions(timelineSettings, blockCacheBytes, threads, failpoints, io, backgroundCompaction);
    }

    public EngineOptions withBackgroundCompaction(boolean enabled) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, enabled);
    }

    public EngineOptions withBlockCacheBytes(long bytes) {
        return new EngineOptions(timelineSettings, bytes, backgroundThreads, failpoints, io, backgroundCompaction);
    }
}
