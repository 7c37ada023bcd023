package dev.strata.core.timeline;

import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.page.Redo;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * What every timeline of a node shares: the block cache, redo handlers, failpoints, the file opener and the
 * pool that runs flushes and compactions, and the node's metrics.
 *
 * @param backgroundCompaction whether a flush that reaches the compaction threshold starts a compaction in
 *                             the background (tests that drive compaction themselves turn it off)
 */
public record TimelineResources(BlockCache cache, Redo redo, Failpoints failpoints, FileIo io,
                                ExecutorService background, Clock clock, boolean backgroundCompaction,
                                NodeMetrics metrics) {
    public TimelineResources {
        Objects.requireNonNull(cache, "cache is null");
        Objects.requireNonNull(redo, "redo is null");
        Objects.requireNonNull(failpoints, "failpoints is null");
        Objects.requireNonNull(io, "io is null");
        Objects.requireNonNull(background, "background is null");
        Objects.requireNonNull(clock, "clock is null");
        Objects.requireNonNull(metrics, "metrics is null");
    }

    /** Resources with metrics of their own (nobody scrapes them). */
    public TimelineResources(BlockCache cache, Redo redo, Failpoints failpoints, FileIo io, ExecutorService background,
                             Clock clock, boolean backgroundCompaction) {
        this(cache, redo, failpoints, io, background, clock, backgroundCompaction, new NodeMetrics());
    }
}
