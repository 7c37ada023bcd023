package dev.strata.core.tenant;

import dev.strata.core.tiered.EvictionPolicy;
import dev.strata.core.timeline.EvictableLayer;
import dev.strata.core.timeline.Timeline;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Deletes local files of layers that remote storage holds, by access time and by disk usage (the policy's
 * thresholds). Never a layer whose upload is pending, one in use, or one read within the minimum residence.
 * Node-wide: under disk pressure, the least recently read layers of all timelines go first.
 */
final class LayerEviction {
    private static final System.Logger LOG = System.getLogger(LayerEviction.class.getName());

    private final EvictionPolicy policy;
    private final Path workdir;
    private final Supplier<List<Timeline>> timelines;

    LayerEviction(EvictionPolicy policy, Path workdir, Supplier<List<Timeline>> timelines) {
        this.policy = Objects.requireNonNull(policy, "policy is null");
        this.workdir = Objects.requireNonNull(workdir, "workdir is null");
        this.timelines = Objects.requireNonNull(timelines, "timelines is null");
    }

    /** What one pass evicted. */
    record Result(int layers, long bytes) {}

    /** One pass: idle layers first, then the least recently read until the disk is below its thresholds. */
    Result run() {
        long now = System.nanoTime();
        List<EvictableLayer> candidates = new ArrayList<>();
        for (Timeline timeline : timelines.get()) {
            candidates.addAll(timeline.evictableLayers(now, policy.minResidence().toNanos()));
        }
        candidates.sort(Comparator.comparingLong(EvictableLayer::lastAccessNanos));
        int evicted = 0;
        long evictedBytes = 0;
        List<EvictableLayer> remaining = new ArrayList<>();
        for (EvictableLayer candidate : candidates) {
            // A tenant may override the node's idle threshold.
            long idleNanos = candidate.timeline().settings().evictionIdleThreshold().orElse(policy.idleThreshold()).toNanos();
            if (idleNanos > 0 && now - candidate.lastAccessNanos() >= idleNanos && evict(candidate)) {
                evicted++;
                evictedBytes += candidate.fileSize();
            } else {
                remaining.add(candidate);
            }
        }
        long excess = excessBytes();
        for (EvictableLayer candidate : remaining) {
            if (excess <= 0) {
                break;
            }
            if (evict(candidate)) {
                evicted++;
                evictedBytes += candidate.fileSize();
                excess -= candidate.fileSize();
            }
        }
        if (evicted > 0) {
            LOG.log(System.Logger.Level.INFO, "evicted {0} layers ({1} bytes)", evicted, evictedBytes);
        }
        return new Result(evicted, evictedBytes);
    }

    private static boolean evict(EvictableLayer candidate) {
        try {
            return candidate.timeline().evict(candidate.fileName());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "evicting {0} failed: {1}", candidate.fileName().localFileName(), e.toString());
            return false;
        }
    }

    /** How many bytes must go for the file system to be within the policy, or 0. */
    private long excessBytes() {
        if (policy.maxUsagePercent() >= 100 && policy.minFreeBytes() == 0) {
            return 0;
        }
        try {
            FileStore store = Files.getFileStore(workdir);
            long total = store.getTotalSpace();
            long free = store.getUsableSpace();
            long overUsage = (total - free) - total / 100 * policy.maxUsagePercent();
            long underFree = policy.minFreeBytes() - free;
            return Math.max(0, Math.max(overUsage, underFree));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the disk usage of {0}: {1}", workdir, e.toString());
            return 0;
        }
    }
}
