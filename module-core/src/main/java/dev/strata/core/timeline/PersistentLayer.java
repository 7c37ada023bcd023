package dev.strata.core.timeline;

import dev.strata.api.Generation;
import dev.strata.api.ImageLayerName;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.layer.BlockCache;
import dev.strata.core.layer.LayerFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A layer that the timeline's index lists: resident (its file open for reading) or evicted (only in remote
 * storage, downloaded again when a read needs it).
 *
 * <p>Readers {@link #acquire} a lease for the time they use the file; eviction and retirement never close a
 * file under a lease. Concurrent readers of an evicted layer share one download.
 */
final class PersistentLayer {
    /** Fetches an evicted layer's file from remote storage and returns its local path. */
    @FunctionalInterface
    interface Downloader {
        Path download(LayerFileName layer, long fileSize) throws IOException;
    }

    /**
     * The layer was replaced (compaction, GC) or the timeline closed after the reader took its layer snapshot;
     * a reader takes a new snapshot, as for a file closed under it.
     */
    static final class Retired extends java.nio.channels.ClosedChannelException {
        private final transient LayerFileName layer;

        Retired(LayerFileName layer) {
            this.layer = layer;
        }

        @Override
        public String getMessage() {
            return "layer " + layer.localFileName() + " is no longer part of the timeline";
        }
    }

    private final LayerFileName fileName;
    private final long fileSize;
    private final Path path;
    private final BlockCache cache;
    private final Downloader downloader;
    /** The open file, or null while evicted. Written under the monitor; read without it by the fast path. */
    private volatile LayerFile file;
    private final LeaseCount leases = new LeaseCount();
    /**
     * Set (under the monitor) by eviction while it checks for leases and for good by retirement; a reader that
     * took a lease without the monitor checks it after, so exactly one of them backs off.
     */
    private volatile boolean closing;
    private volatile boolean retired;
    private CompletableFuture<LayerFile> download;
    /** Written at most once per {@link #ACCESS_STAMP_NANOS}, so that concurrent readers do not write it on every read. */
    private volatile long lastAccessNanos = System.nanoTime();
    /** How stale {@link #lastAccessNanos} may be: far below any idle time eviction is configured with (seconds). */
    static final long ACCESS_STAMP_NANOS = 1_000_000;

    private PersistentLayer(LayerFileName fileName, long fileSize, Path path, BlockCache cache, Downloader downloader,
                            LayerFile file) {
        this.fileName = Objects.requireNonNull(fileName, "fileName is null");
        this.fileSize = fileSize;
        this.path = Objects.requireNonNull(path, "path is null");
        this.cache = Objects.requireNonNull(cache, "cache is null");
        this.downloader = downloader;
        this.file = file;
    }

    /** A layer whose file is on disk and open. */
    static PersistentLayer resident(LayerFileName fileName, long fileSize, LayerFile file, Path path, BlockCache cache,
                                    Downloader downloader) {
        return new PersistentLayer(fileName, fileSize, path, cache, downloader, Objects.requireNonNull(file, "file is null"));
    }

    /** A layer only in remote storage; {@code downloader} fetches it on first use. */
    static PersistentLayer evicted(LayerFileName fileName, long fileSize, Path path, BlockCache cache, Downloader downloader) {
        return new PersistentLayer(fileName, fileSize, path, cache, Objects.requireNonNull(downloader, "downloader is null"), null);
    }

    /** A use of the layer's file; closing it releases the lease (and closes the file if it was retired). */
    final class Lease implements AutoCloseable {
        private final LayerFile leased;
        /** Where {@link LeaseCount} counted this lease. */
        private final int slot;
        private boolean released;

        private Lease(LayerFile leased, int slot) {
            this.leased = leased;
            this.slot = slot;
        }

        LayerFile file() {
            return leased;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                release(slot);
            }
        }
    }

    /**
     * The layer's open file, downloading it first when evicted. Several readers of an evicted layer wait for
     * one download.
     *
     * @throws IOException when the download fails, or the layer was retired (replaced by compaction or GC)
     */
    Lease acquire() throws IOException {
        long now = System.nanoTime();
        if (now - lastAccessNanos >= ACCESS_STAMP_NANOS) {
            lastAccessNanos = now;
        }
        // The common case without the monitor: take a lease, then check nobody started closing the file.
        LayerFile current = file;
        if (current != null && !closing) {
            int slot = leases.increment();
            if (!closing && file == current) {
                return new Lease(current, slot);
            }
            release(slot);
        }
        CompletableFuture<LayerFile> pending;
        boolean downloadHere = false;
        synchronized (this) {
            if (retired) {
                throw new Retired(fileName);
            }
            if (file != null) {
                return new Lease(file, leases.increment());
            }
            if (downloader == null) {
                throw new IOException("layer " + path + " is not on disk and the timeline has no remote storage");
            }
            if (download == null) {
                download = new CompletableFuture<>();
                downloadHere = true;
            }
            pending = download;
        }
        if (downloadHere) {
            fetch(pending);
        }
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading layer " + fileName.localFileName(), e);
        } catch (ExecutionException e) {
            throw new IOException("downloading layer " + fileName.remoteObjectName() + " failed: " + e.getCause().getMessage(),
                    e.getCause());
        }
        return acquire();
    }

    private void fetch(CompletableFuture<LayerFile> pending) {
        try {
            Path downloaded = downloader.download(fileName, fileSize);
            LayerFile opened = LayerFile.open(downloaded, cache);
            synchronized (this) {
                download = null;
                if (retired) {
                    opened.close();
                } else {
                    file = opened;
                }
            }
            pending.complete(opened);
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                download = null;
            }
            pending.completeExceptionally(e);
        }
    }

    private void release(int slot) {
        leases.decrement(slot);
        if (!retired) {
            return;
        }
        LayerFile toClose = null;
        synchronized (this) {
            if (leases.isZero() && file != null) {
                toClose = file;
                file = null;
            }
        }
        closeQuietly(toClose);
    }

    /**
     * Evicts the layer: closes and deletes its local file if no reader holds it. The caller has checked that
     * remote storage holds it.
     *
     * @return false when the layer is in use, already evicted, being downloaded or retired
     */
    boolean tryEvict() throws IOException {
        synchronized (this) {
            if (file == null || retired || download != null || downloader == null) {
                return false;
            }
            closing = true;
            try {
                if (!leases.isZero()) {
                    return false;
                }
                LayerFile evicted = file;
                file = null;
                closeQuietly(evicted);
                // Deleted under the lock so that no download renames a new file into place meanwhile.
                Files.deleteIfExists(path);
            } finally {
                closing = false;
            }
        }
        return true;
    }

    /**
     * Takes the layer out of use (replaced by compaction, removed by GC, or the timeline closing): no new
     * lease is granted, and the file closes when the last lease is released.
     */
    void retire() {
        LayerFile toClose = null;
        synchronized (this) {
            retired = true;
            closing = true;
            if (leases.isZero() && file != null) {
                toClose = file;
                file = null;
            }
        }
        closeQuietly(toClose);
    }

    private static void closeQuietly(LayerFile file) {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // A read-only file: closing cannot lose data.
            }
        }
    }

    boolean isResident() {
        return file != null;
    }

    long lastAccessNanos() {
        return lastAccessNanos;
    }

    LayerFileName fileName() {
        return fileName;
    }

    long fileSize() {
        return fileSize;
    }

    Path path() {
        return path;
    }

    LayerName name() {
        return fileName.name();
    }

    Generation generation() {
        return fileName.generation();
    }

    boolean isImage() {
        return fileName.name() instanceof ImageLayerName;
    }

    boolean isL0() {
        return fileName.name().isL0();
    }

    boolean containsKey(Key key) {
        return fileName.name().containsKey(key);
    }

    long lsnStart() {
        return fileName.name().lsnStart().value();
    }

    /** Exclusive end; an image's LSN plus one. */
    long lsnEnd() {
        return fileName.name().lsnEnd().value();
    }

    LayerMetadata metadata() {
        return new LayerMetadata(fileSize, fileName.generation());
    }

    @Override
    public String toString() {
        return fileName.localFileName();
    }
}
