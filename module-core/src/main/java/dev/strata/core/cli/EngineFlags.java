package dev.strata.core.cli;

import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.layer.LayerWriteOptions;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.wal.Durability;
import dev.strata.core.wal.WalOptions;
import dev.strata.core.plugin.RemoteStorageOpener;
import dev.strata.core.remote.RemoteStorageConfig;
import dev.strata.core.tiered.EvictionPolicy;
import dev.strata.core.tiered.RemoteLayout;
import dev.strata.core.tiered.RemoteResources;
import java.io.IOException;
import java.util.Map;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options shared by every {@code strata local} command: where the engine lives and how it is tuned. */
final class EngineFlags {
    @Option(names = "--workdir", required = true, description = "Work directory of the embedded engine.")
    Path workdir;

    @Option(names = "--checkpoint-distance", description = "Bytes in memory before a flush (default: ${DEFAULT-VALUE}).",
            defaultValue = "268435456")
    long checkpointDistance;

    @Option(names = "--compaction-threshold", description = "L0 layers that trigger compaction (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
    int compactionThreshold;

    @Option(names = "--compaction-target-size", description = "Target bytes per compacted layer (default: ${DEFAULT-VALUE}).",
            defaultValue = "134217728")
    long compactionTargetSize;

    @Option(names = "--image-creation-threshold", description = "Deltas since the last image that trigger a new one (default: ${DEFAULT-VALUE}).",
            defaultValue = "3")
    int imageCreationThreshold;

    @Option(names = "--gc-horizon", description = "LSN distance behind the last record that GC keeps (default: ${DEFAULT-VALUE}).",
            defaultValue = "67108864")
    long gcHorizon;

    @Option(names = "--pitr", description = "Time window GC keeps readable, ISO-8601 (default: ${DEFAULT-VALUE}).",
            defaultValue = "P7D")
    Duration pitr;

    @Option(names = "--gc-period", description = "How often background GC runs on a timeline, ISO-8601 (default: the engine's).")
    Duration gcPeriod;

    @Option(names = "--durability", description = "fsync (per batch) or periodic (default: ${DEFAULT-VALUE}).",
            defaultValue = "fsync")
    String durability;

    @Option(names = "--compress", description = "Compress layer blocks (Deflate).")
    boolean compress;

    @Option(names = "--block-cache-bytes", description = "Capacity of the node-wide block cache (default: ${DEFAULT-VALUE}).",
            defaultValue = "268435456")
    long blockCacheBytes;

    @Option(names = "--remote-root", description = "Back the engine with a bucket in this directory (the localfs backend):"
            + " layers and indexes are uploaded there, and the bucket is the truth at start.")
    Path remoteRoot;

    @Option(names = "--eviction-idle", description = "Evict local layer files the bucket holds once unread for this long,"
            + " ISO-8601 (default: the engine's, a day; only with --remote-root).")
    Duration evictionIdle;

    @Option(names = "--failpoint", description = "NAME=ACTIONS, for fault-injection runs.")
    java.util.List<String> failpoints = new java.util.ArrayList<>();

    LocalEngine open() throws IOException {
        Durability mode = switch (durability) {
            case "fsync" -> Durability.FSYNC;
            case "periodic" -> Durability.PERIODIC;
            default -> throw new IllegalArgumentException("invalid --durability '" + durability + "': expected fsync or periodic");
        };
        WalOptions wal = new WalOptions(WalOptions.DEFAULT.segmentBytes(), mode, WalOptions.DEFAULT.periodicInterval());
        TimelineSettings settings = TimelineSettings.DEFAULT.withCheckpointDistance(checkpointDistance)
                .withCompaction(compactionThreshold, compactionTargetSize, imageCreationThreshold)
                .withGc(gcHorizon, pitr)
                .withWal(wal)
                .withLayerWrite(new LayerWriteOptions(LayerWriteOptions.DEFAULT.targetBlockBytes(), compress));
        if (gcPeriod != null) {
            if (gcPeriod.isNegative() || gcPeriod.isZero()) {
                throw new IllegalArgumentException("invalid --gc-period " + gcPeriod + ": must be positive");
            }
            settings = settings.withGcPeriod(gcPeriod);
        }
        Failpoints points = failpoints.isEmpty() ? Failpoints.disabled() : Failpoints.create();
        for (String spec : failpoints) {
            int equals = spec.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("invalid --failpoint '" + spec + "': expected NAME=ACTIONS");
            }
            points.configure(spec.substring(0, equals), spec.substring(equals + 1));
        }
        RemoteResources remote = remoteRoot == null ? null : localBucket(remoteRoot, points);
        EvictionPolicy eviction = EvictionPolicy.DEFAULT;
        if (evictionIdle != null) {
            if (evictionIdle.isNegative() || evictionIdle.isZero()) {
                throw new IllegalArgumentException("invalid --eviction-idle " + evictionIdle + ": must be positive");
            }
            // Check often and keep a freshly read layer only briefly, so layers really leave the disk and come back.
            Duration period = evictionIdle.compareTo(EvictionPolicy.DEFAULT.period()) < 0 ? evictionIdle : EvictionPolicy.DEFAULT.period();
            Duration residence = evictionIdle.compareTo(EvictionPolicy.DEFAULT.minResidence()) < 0
                    ? evictionIdle : EvictionPolicy.DEFAULT.minResidence();
            eviction = new EvictionPolicy(period, evictionIdle, EvictionPolicy.DEFAULT.maxUsagePercent(),
                    EvictionPolicy.DEFAULT.minFreeBytes(), residence);
        }
        boolean success = false;
        try {
            LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(settings)
                    .withFailpoints(points).withBlockCacheBytes(blockCacheBytes).withRemote(remote).withEviction(eviction));
            if (remote != null) {
                engine.closeAfterwards(remote);
            }
            success = true;
            return engine;
        } finally {
            if (!success && remote != null) {
                remote.close();
            }
        }
    }

    private static RemoteResources localBucket(Path root, Failpoints points) throws IOException {
        RemoteStorageOpener.Opened opened = RemoteStorageOpener.open(
                new RemoteStorageConfig("localfs", Map.of("root", root.toString())), RemoteStorageOpener.installedPlugins(), null);
        return RemoteResources.withDefaults(opened.storage().withFailpoints(points), RemoteLayout.root());
    }
}
