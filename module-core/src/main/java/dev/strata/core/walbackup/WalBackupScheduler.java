package dev.strata.core.walbackup;

import static java.util.Objects.requireNonNull;

import com.codahale.metrics.Gauge;
import dev.strata.core.metrics.NodeMetrics;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs the WAL backups of every timeline on a node: one ticker thread looks at each registered
 * {@link WalBackup} in turn and hands the ones that are {@linkplain WalBackup#due due} to the remote executor,
 * at most {@link WalBackupOptions#maxConcurrentUploads()} at once. A timeline never waits for another: a due
 * backup that finds no free slot is taken first on the next tick.
 *
 * <p>Reports the gauges {@code strata.wal_backup.lag_bytes} (the largest lag of any timeline: durable WAL not
 * yet in the bucket) and {@code strata.wal_backup.timelines}, and per registered timeline its lag in bytes and
 * seconds and its conflicts ({@link NodeMetrics#WAL_BACKUP_LAG_BYTES} and the others), removed when it is
 * unregistered.
 */
public final class WalBackupScheduler implements AutoCloseable {
    /** The gauge of the largest backup lag of any timeline, in bytes. */
    public static final String LAG_GAUGE = "strata.wal_backup.lag_bytes";
    private static final String TIMELINES_GAUGE = "strata.wal_backup.timelines";
    private static final List<String> TIMELINE_METRICS = List.of(NodeMetrics.WAL_BACKUP_LAG_BYTES,
            NodeMetrics.WAL_BACKUP_LAG_SECONDS, NodeMetrics.WAL_BACKUP_CONFLICTS);
    private static final System.Logger LOG = System.getLogger(WalBackupScheduler.class.getName());

    private final WalBackupOptions options;
    private final ExecutorService executor;
    private final NodeMetrics metrics;
    private final Semaphore slots;
    private final List<WalBackup> backups = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService ticker;
    private int nextStart;

    /**
     * Starts the ticker.
     *
     * @param executor runs the uploads (the remote executor; virtual threads)
     */
    public WalBackupScheduler(WalBackupOptions options, ExecutorService executor, NodeMetrics metrics) {
        this.options = requireNonNull(options, "options is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.slots = new Semaphore(options.maxConcurrentUploads());
        this.ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("strata-wal-backup")
                .factory());
        long tick = Math.min(options.partialInterval().toMillis(), 100);
        ticker.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        metrics.registry().remove(LAG_GAUGE);
        metrics.registry().remove(TIMELINES_GAUGE);
        metrics.registry().register(LAG_GAUGE, (Gauge<Long>) this::maxLagBytes);
        metrics.registry().register(TIMELINES_GAUGE, (Gauge<Integer>) backups::size);
    }

    public WalBackupOptions options() {
        return options;
    }

    /** Starts backing up {@code backup}; it stays registered until {@link #unregister} (or it is closed). */
    public void register(WalBackup backup) {
        backups.add(requireNonNull(backup, "backup is null"));
        for (String metric : TIMELINE_METRICS) {
            String name = timelineMetric(metric, backup);
            metrics.registry().remove(name);
            metrics.registry().register(name, timelineGauge(metric, backup));
        }
    }

    public void unregister(WalBackup backup) {
        if (backups.remove(backup)) {
            removeTimelineMetrics(backup);
        }
    }

    private void removeTimelineMetrics(WalBackup backup) {
        for (String metric : TIMELINE_METRICS) {
            // Only our own gauge: a newer backup of the same timeline may have registered its own already.
            String name = timelineMetric(metric, backup);
            if (backups.stream().noneMatch(other -> other != backup && timelineMetric(metric, other).equals(name))) {
                metrics.registry().remove(name);
            }
        }
    }

    private static String timelineMetric(String metric, WalBackup backup) {
        return NodeMetrics.timelineMetricName(metric, backup.tenantId().toString(), backup.timelineId().toString());
    }

    private static Gauge<? extends Number> timelineGauge(String metric, WalBackup backup) {
        return switch (metric) {
            case NodeMetrics.WAL_BACKUP_LAG_BYTES -> (Gauge<Long>) backup::lagBytes;
            case NodeMetrics.WAL_BACKUP_LAG_SECONDS -> (Gauge<Double>) () -> backup.lagSeconds(System.nanoTime());
            case NodeMetrics.WAL_BACKUP_CONFLICTS -> (Gauge<Long>) backup::conflicts;
            default -> throw new IllegalArgumentException("not a WAL backup timeline metric: " + metric);
        };
    }

    /** The largest lag of any registered timeline. */
    public long maxLagBytes() {
        long max = 0;
        for (WalBackup backup : backups) {
            max = Math.max(max, backup.lagBytes());
        }
        return max;
    }

    private void tick() {
        try {
            List<WalBackup> snapshot = List.copyOf(backups);
            int size = snapshot.size();
            if (size == 0) {
                return;
            }
            long now = System.nanoTime();
            int start = Math.floorMod(nextStart, size);
            for (int i = 0; i < size; i++) {
                WalBackup backup = snapshot.get((start + i) % size);
                if (backup.isClosed()) {
                    unregister(backup);
                    continue;
                }
                if (!backup.due(now) || !backup.trySchedule()) {
                    continue;
                }
                if (!slots.tryAcquire()) {
                    backup.scheduleFinished();
                    // Rotate so that this one is looked at first next time.
                    nextStart = (start + i) % size;
                    return;
                }
                try {
                    executor.execute(() -> {
                        try {
                            backup.runOnce(false);
                        } finally {
                            backup.scheduleFinished();
                            slots.release();
                        }
                    });
                } catch (RejectedExecutionException e) {
                    backup.scheduleFinished();
                    slots.release();
                    return;
                }
            }
            nextStart = start + 1;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "WAL backup scheduling failed: {0}", e.toString());
        }
    }

    /** Stops the ticker; runs in flight finish on the executor. Timelines close their backups themselves. */
    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.registry().remove(LAG_GAUGE);
        metrics.registry().remove(TIMELINES_GAUGE);
        for (WalBackup backup : List.copyOf(backups)) {
            unregister(backup);
        }
    }

    @Override
    public String toString() {
        return "WalBackupScheduler[" + backups.size() + " timelines, interval " + options.partialInterval()
                + ", " + options.maxConcurrentUploads() + " uploads]";
    }
}
