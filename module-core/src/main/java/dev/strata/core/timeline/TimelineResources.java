package dev.strata.core.timeline;

import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.page.Redo;
import dev.strata.core.walbackup.WalBackupScheduler;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * What every timeline of a node shares: the block cache, redo handlers, failpoints, the file opener and the
 * pool that runs flushes, the node's metrics, the budget of in-memory layers and, with remote storage, the
 * scheduler of WAL backups.
 *
 * @param memory    the node-wide budget of in-memory layers
 * @param walBackup backs up every timeline's WAL; null when the node has no remote storage or WAL backup is off
 */
public record TimelineResources(BlockCache cache, Redo redo, Failpoints failpoints, FileIo io,
                                ExecutorService background, Clock clock, NodeMetrics metrics, InMemoryBudget memory,
                                WalBackupScheduler walBackup) {
    public TimelineResources {
        Objects.requireNonNull(cache, "cache is null");
        Objects.requireNonNull(redo, "redo is null");
        Objects.requireNonNull(failpoints, "failpoints is null");
        Objects.requireNonNull(io, "io is null");
        Objects.requireNonNull(background, "background is null");
        Objects.requireNonNull(clock, "clock is null");
        Objects.requireNonNull(metrics, "metrics is null");
        Objects.requireNonNull(memory, "memory is null");
    }

}
