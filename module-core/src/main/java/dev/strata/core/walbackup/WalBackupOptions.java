package dev.strata.core.walbackup;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a node backs up its timelines' WAL to remote storage.
 *
 * <table>
 *   <caption>Configuration keys (section {@code [wal_backup]} of {@code strata.toml})</caption>
 *   <tr><th>key</th><th>type</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code enabled}</td><td>bool</td><td>true</td><td>back up full segments and partial segments (with
 *       remote storage only)</td></tr>
 *   <tr><td>{@code partial_interval}</td><td>duration</td><td>1s</td><td>at most one partial upload per timeline
 *       per interval, and only when the durable LSN moved</td></tr>
 *   <tr><td>{@code max_concurrent_uploads}</td><td>int</td><td>4</td><td>WAL backup uploads in flight on the node
 *       at once, across all timelines</td></tr>
 * </table>
 *
 * @param enabled              whether WAL is backed up at all
 * @param nodeId               the node id written into partial object names
 * @param partialInterval      the least time between two partial uploads of one timeline, from 10 ms
 * @param maxConcurrentUploads uploads in flight on the node at most, from 1
 */
public record WalBackupOptions(boolean enabled, long nodeId, Duration partialInterval, int maxConcurrentUploads) {
    /** Enabled, node 0, one partial upload per second per timeline, four uploads in flight. */
    public static final WalBackupOptions DEFAULT = new WalBackupOptions(true, 0, Duration.ofSeconds(1), 4);

    public WalBackupOptions {
        requireNonNull(partialInterval, "partialInterval is null");
        if (nodeId < 0) {
            throw new IllegalArgumentException("node_id must not be negative, got " + nodeId);
        }
        if (partialInterval.compareTo(Duration.ofMillis(10)) < 0) {
            throw new IllegalArgumentException("wal_backup.partial_interval must be at least 10ms, got " + partialInterval);
        }
        if (maxConcurrentUploads < 1) {
            throw new IllegalArgumentException("wal_backup.max_concurrent_uploads must be at least 1, got "
                    + maxConcurrentUploads);
        }
    }

    public WalBackupOptions withNodeId(long id) {
        return new WalBackupOptions(enabled, id, partialInterval, maxConcurrentUploads);
    }

    public WalBackupOptions withPartialInterval(Duration interval) {
        return new WalBackupOptions(enabled, nodeId, interval, maxConcurrentUploads);
    }

    public WalBackupOptions withEnabled(boolean on) {
        return new WalBackupOptions(on, nodeId, partialInterval, maxConcurrentUploads);
    }

    public WalBackupOptions withMaxConcurrentUploads(int uploads) {
        return new WalBackupOptions(enabled, nodeId, partialInterval, uploads);
    }
}
