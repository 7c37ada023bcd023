package dev.strata.core.tenant;

import dev.strata.api.LayerFileName;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.metrics.NodeMetrics;
import dev.strata.core.tiered.Heatmap;
import dev.strata.core.tiered.LayerDownload;
import dev.strata.core.tiered.RemoteResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.apache.logging.log4j.CloseableThreadContext;

/**
 * The warm copy of a tenant held in Secondary mode: each {@link #downloadOnce pass} reads the tenant's heatmap
 * from remote storage, downloads the layers it lists that are not on local disk (at most the node's bound at
 * once, each through {@link LayerDownload}: temp file, size check, fsync, no-replace rename), and deletes local
 * layer files and timeline directories the heatmap no longer lists. It only reads the bucket, never writes to
 * it. A heatmap that is missing, unreadable or of an unknown version fails the pass with a message naming it,
 * and the local copy is left as it was.
 *
 * <p>The files land where an attachment of the tenant expects them
 * ({@code tenants/<tenant>/timelines/<timeline>/<layer>-v1-<gen>}), so promoting the tenant to an attached mode
 * opens them instead of downloading them again.
 */
final class SecondaryTenant implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SecondaryTenant.class.getName());
    private static final String TIMELINES = "timelines";

    private final TenantId tenantId;
    private final Path tenantDirectory;
    private final RemoteResources remote;
    private final Semaphore downloadPermits;
    private final NodeMetrics metrics;
    private final Failpoints failpoints;
    private final Clock clock;
    private final CancellationSource cancellation = new CancellationSource();
    /** Held for a whole pass: closing waits for it, so no download lands after the tenant changed mode. */
    private final ReentrantLock pass = new ReentrantLock();
    private volatile boolean closed;
    private volatile SecondaryProgress progress = SecondaryProgress.NONE;
    /** {@link System#nanoTime()} when the last pass started; 0 before the first. */
    private volatile long lastPassStartNanos;

    /**
     * @param downloadPermits the node-wide bound on Secondary layer downloads in flight
     */
    SecondaryTenant(TenantId tenantId, Path tenantDirectory, RemoteResources remote, Semaphore downloadPermits,
                    NodeMetrics metrics, Failpoints failpoints, Clock clock) {
        this.tenantId = Objects.requireNonNull(tenantId, "tenantId is null");
        this.tenantDirectory = Objects.requireNonNull(tenantDirectory, "tenantDirectory is null");
        this.remote = Objects.requireNonNull(remote, "remote is null");
        this.downloadPermits = Objects.requireNonNull(downloadPermits, "downloadPermits is null");
        this.metrics = Objects.requireNonNull(metrics, "metrics is null");
        this.failpoints = Objects.requireNonNull(failpoints, "failpoints is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    SecondaryProgress progress() {
        return progress;
    }

    /** True when a pass is due: never run, or {@code period} passed since the last one started. */
    boolean due(long nowNanos, java.time.Duration period) {
        long last = lastPassStartNanos;
        return !closed && (last == 0 || nowNanos - last >= period.toNanos());
    }

    /**
     * One pass: fetch the heatmap, download what is missing, delete what it no longer lists.
     *
     * @return the progress after the pass
     * @throws IOException when the heatmap cannot be read or used, or some layers could not be downloaded (the
     *                     others are kept; the next pass retries); the message says which
     */
    SecondaryProgress downloadOnce() throws IOException {
        pass.lock();
        try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenantId.hex())) {
            if (closed) {
                return progress;
            }
            lastPassStartNanos = Math.max(1, System.nanoTime());
            Heatmap heatmap;
            try {
                heatmap = fetchHeatmap();
            } catch (IOException e) {
                metrics.secondaryHeatmapError();
                progress = progress.withError(clock.instant(), e.getMessage());
                // A heatmap not uploaded yet is expected for a while after attaching; one that cannot be used is not.
                LOG.log(e instanceof HeatmapMissing ? System.Logger.Level.WARNING : System.Logger.Level.ERROR,
                        "tenant {0} (Secondary): {1}; keeping the local copy as it is", tenantId, e.getMessage());
                throw e;
            }
            return apply(heatmap);
        } finally {
            pass.unlock();
        }
    }

    private Heatmap fetchHeatmap() throws IOException {
        String key = remote.layout().heatmapKey(tenantId);
        byte[] bytes;
        try (ObjectContent content = remote.storage().get(key, ByteRange.WHOLE, Optional.empty(),
                new CallContext(cancellation, Deadline.NONE))) {
            bytes = content.readAllBytes();
        } catch (RemoteStorageException.NotFound e) {
            throw new HeatmapMissing("heatmap " + key + " does not exist (yet): the attached node uploads it periodically");
        } catch (IOException e) {
            throw new IOException("cannot read heatmap " + key + ": " + e.getMessage(), e);
        }
        return Heatmap.parse(key, bytes);
    }

    /** The tenant's heatmap is not in the bucket. */
    private static final class HeatmapMissing extends IOException {
        HeatmapMissing(String message) {
            super(message);
        }
    }

    private SecondaryProgress apply(Heatmap heatmap) throws IOException {
        Path timelinesDirectory = tenantDirectory.resolve(TIMELINES);
        DurableFiles.createDirectoryDurably(timelinesDirectory);
        Map<Future<?>, Heatmap.HeatmapLayer> downloads = new HashMap<>();
        long layersResident = 0;
        long bytesResident = 0;
        for (Heatmap.TimelineHeatmap timeline : heatmap.timelines()) {
            Path directory = timelinesDirectory.resolve(timeline.timelineId().hex());
            DurableFiles.createDirectoryDurably(directory);
            // Hottest first, so an interrupted pass has fetched the layers that matter most.
            for (Heatmap.HeatmapLayer layer : timeline.layers()) {
                Path local = directory.resolve(layer.fileName().localFileName());
                if (Files.exists(local)) {
                    if (Files.size(local) == layer.fileSize()) {
                        layersResident++;
                        bytesResident += layer.fileSize();
                        continue;
                    }
                    LOG.log(System.Logger.Level.WARNING, "tenant {0} (Secondary): {1} has {2} bytes, the heatmap says {3};"
                            + " downloading it again", tenantId, local, Files.size(local), layer.fileSize());
                    Files.delete(local);
                }
                TimelineId timelineId = timeline.timelineId();
                downloads.put(remote.executor().submit(() -> {
                    download(timelineId, directory, layer);
                    return null;
                }), layer);
            }
        }
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Future<?>, Heatmap.HeatmapLayer> entry : downloads.entrySet()) {
            Heatmap.HeatmapLayer layer = entry.getValue();
            try {
                entry.getKey().get();
                layersResident++;
                bytesResident += layer.fileSize();
            } catch (ExecutionException e) {
                failures.add(layer.fileName().remoteObjectName() + ": " + e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                downloads.keySet().forEach(future -> future.cancel(true));
                throw new IOException("interrupted while downloading layers of tenant " + tenantId, e);
            }
        }
        if (!closed) {
            removeUnlisted(heatmap, timelinesDirectory);
        }
        String error = failures.isEmpty() ? null : failures.size() + " of " + downloads.size()
                + " layer downloads failed; first: " + failures.getFirst();
        progress = new SecondaryProgress(heatmap.generatedAt(), clock.instant(), heatmap.timelines().size(),
                heatmap.layerCount(), layersResident, heatmap.totalBytes(), bytesResident, error);
        if (error != null) {
            LOG.log(System.Logger.Level.WARNING, "tenant {0} (Secondary): {1}", tenantId, error);
            throw new IOException("tenant " + tenantId + ": " + error);
        }
        LOG.log(System.Logger.Level.DEBUG, "tenant {0} (Secondary): {1} of {2} heatmap layers on local disk", tenantId,
                layersResident, heatmap.layerCount());
        return progress;
    }

    private void download(TimelineId timelineId, Path directory, Heatmap.HeatmapLayer layer) throws IOException {
        try {
            downloadPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted before downloading " + layer.fileName().remoteObjectName(), e);
        }
        try {
            if (closed) {
                throw new IOException("tenant " + tenantId + " left Secondary mode");
            }
            LayerDownload.download(remote, tenantId, timelineId, directory, layer.fileName(), layer.fileSize(), failpoints,
                    cancellation);
            metrics.secondaryLayerDownloaded(layer.fileSize());
        } finally {
            downloadPermits.release();
        }
    }

    /**
     * Deletes the local layer files the heatmap does not list, download leftovers, and timeline directories it
     * does not list. Other files (a local index, a WAL left from when this node was attached) stay: an attach
     * reconciles them against the bucket.
     */
    private void removeUnlisted(Heatmap heatmap, Path timelinesDirectory) throws IOException {
        Map<String, java.util.Set<String>> listed = new HashMap<>();
        for (Heatmap.TimelineHeatmap timeline : heatmap.timelines()) {
            java.util.Set<String> names = new java.util.HashSet<>();
            timeline.layers().forEach(layer -> names.add(layer.fileName().localFileName()));
            listed.put(timeline.timelineId().hex(), names);
        }
        List<Path> timelineDirectories;
        try (Stream<Path> entries = Files.list(timelinesDirectory)) {
            timelineDirectories = entries.toList();
        }
        boolean removedTimeline = false;
        for (Path directory : timelineDirectories) {
            java.util.Set<String> names = listed.get(directory.getFileName().toString());
            if (names == null) {
                LOG.log(System.Logger.Level.INFO, "tenant {0} (Secondary): the heatmap no longer lists timeline {1};"
                        + " removing its local copy", tenantId, directory.getFileName());
                DurableFiles.deleteRecursively(directory);
                removedTimeline = true;
                continue;
            }
            boolean removed = false;
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(LayerDownload.TEMP_DOWNLOAD_SUFFIX)) {
                        Files.deleteIfExists(file);
                        removed = true;
                    } else if (!Files.isDirectory(file) && isLayerFile(name) && !names.contains(name)) {
                        Files.deleteIfExists(file);
                        removed = true;
                    }
                }
            }
            if (removed) {
                DurableFiles.fsyncDirectory(directory);
            }
        }
        if (removedTimeline) {
            DurableFiles.fsyncDirectory(timelinesDirectory);
        }
    }

    private static boolean isLayerFile(String name) {
        try {
            LayerFileName.parse(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Stops the copy: cancels downloads in flight and waits for the running pass to end. */
    @Override
    public void close() {
        closed = true;
        cancellation.cancel();
        pass.lock();
        pass.unlock();
    }
}
