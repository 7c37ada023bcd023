package dev.strata.core.tenant;

import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.tiered.EvictionPolicy;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.timeline.InMemoryBudget;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.walbackup.WalBackupOptions;
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
 * @param remote remote storage shared by every timeline, or null for a node that keeps everything locally
 * @param eviction when local layer files that remote storage holds are deleted (only with remote storage)
 * @param walBackup how WAL is backed up to remote storage (only with remote storage)
 * @param secondary heatmap uploads and Secondary warm copies (only with remote storage)
 * @param startup how the tenants on disk are attached when the engine opens
 * @param inMemoryLayerBytes node-wide budget of the in-memory layers of every timeline (see
 *                           {@link dev.strata.core.timeline.InMemoryBudget}); 0 for the default, half of what the
 *                           heap holds beside the block cache
 */
public record EngineOptions(TimelineSettings timelineSettings, long blockCacheBytes, int backgroundThreads,
                            Failpoints failpoints, FileIo io, boolean backgroundCompaction, RemoteResources remote,
                            EvictionPolicy eviction, WalBackupOptions walBackup, SecondaryOptions secondary,
                            StartupAttach startup, long inMemoryLayerBytes) {
    public static final EngineOptions DEFAULT = new EngineOptions(TimelineSettings.DEFAULT, 256L << 20, 2,
            Failpoints.disabled(), FileIo.DEFAULT, true);

    public EngineOptions {
        Objects.requireNonNull(timelineSettings, "timelineSettings is null");
        Objects.requireNonNull(failpoints, "failpoints is null");
        Objects.requireNonNull(io, "io is null");
        Objects.requireNonNull(eviction, "eviction is null");
        Objects.requireNonNull(walBackup, "walBackup is null");
        Objects.requireNonNull(secondary, "secondary is null");
        Objects.requireNonNull(startup, "startup is null");
        if (blockCacheBytes < 0) {
            throw new IllegalArgumentException("block_cache_bytes must not be negative, got " + blockCacheBytes);
        }
        if (backgroundThreads < 1) {
            throw new IllegalArgumentException("background_threads must be at least 1, got " + backgroundThreads);
        }
        if (inMemoryLayerBytes != 0 && inMemoryLayerBytes < InMemoryBudget.MIN_LIMIT_BYTES) {
            throw new IllegalArgumentException("in_memory_layer_bytes must be 0 (the default) or at least "
                    + InMemoryBudget.MIN_LIMIT_BYTES + ", got " + inMemoryLayerBytes);
        }
    }

    /** The in-memory budget in bytes: {@link #inMemoryLayerBytes}, or the default for this JVM's heap. */
    public long effectiveInMemoryLayerBytes() {
        return inMemoryLayerBytes != 0 ? inMemoryLayerBytes
                : InMemoryBudget.defaultLimit(Runtime.getRuntime().maxMemory(), blockCacheBytes);
    }

    /** Options with the default heatmap, Secondary and start-up settings. */
    public EngineOptions(TimelineSettings timelineSettings, long blockCacheBytes, int backgroundThreads,
                         Failpoints failpoints, FileIo io, boolean backgroundCompaction, RemoteResources remote,
                         EvictionPolicy eviction, WalBackupOptions walBackup) {
        this(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction, remote, eviction,
                walBackup, SecondaryOptions.DEFAULT, StartupAttach.DEFAULT, 0);
    }

    /** Options of a node without remote storage. */
    public EngineOptions(TimelineSettings timelineSettings, long blockCacheBytes, int backgroundThreads,
                         Failpoints failpoints, FileIo io, boolean backgroundCompaction) {
        this(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction, null,
                EvictionPolicy.DEFAULT, WalBackupOptions.DEFAULT);
    }

    /** Options with the default WAL backup. */
    public EngineOptions(TimelineSettings timelineSettings, long blockCacheBytes, int backgroundThreads,
                         Failpoints failpoints, FileIo io, boolean backgroundCompaction, RemoteResources remote,
                         EvictionPolicy eviction) {
        this(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction, remote, eviction,
                WalBackupOptions.DEFAULT);
    }

    public EngineOptions withTimelineSettings(TimelineSettings settings) {
        return new EngineOptions(settings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remote, eviction, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withFailpoints(Failpoints points) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, points, io, backgroundCompaction,
                remote, eviction, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withIo(FileIo fileIo) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, fileIo, backgroundCompaction,
                remote, eviction, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withBackgroundThreads(int threads) {
        return new EngineOptions(timelineSettings, blockCacheBytes, threads, failpoints, io, backgroundCompaction,
                remote, eviction, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withBackgroundCompaction(boolean enabled) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, enabled,
                remote, eviction, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withBlockCacheBytes(long bytes) {
        return new EngineOptions(timelineSettings, bytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remote, eviction, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withRemote(RemoteResources remoteResources) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remoteResources, eviction, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withEviction(EvictionPolicy policy) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remote, policy, walBackup, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withWalBackup(WalBackupOptions options) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remote, eviction, options, secondary, startup, inMemoryLayerBytes);
    }

    public EngineOptions withSecondary(SecondaryOptions options) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remote, eviction, walBackup, options, startup, inMemoryLayerBytes);
    }

    public EngineOptions withInMemoryLayerBytes(long bytes) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remote, eviction, walBackup, secondary, startup, bytes);
    }

    public EngineOptions withStartup(StartupAttach attach) {
        return new EngineOptions(timelineSettings, blockCacheBytes, backgroundThreads, failpoints, io, backgroundCompaction,
                remote, eviction, walBackup, secondary, attach, inMemoryLayerBytes);
    }
}
