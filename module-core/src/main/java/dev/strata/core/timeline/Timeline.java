package dev.strata.core.timeline;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.InvalidIndexException;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.layer.BlockMemo;
import dev.strata.core.layer.LayerFile;
import dev.strata.core.layer.LayerWriter;
import dev.strata.core.layer.WrittenLayer;
import dev.strata.core.metrics.LayerTotals;
import dev.strata.core.metrics.TimelineLsns;
import dev.strata.core.metrics.UploadTotals;
import dev.strata.core.page.PageEntry;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tiered.LoadedIndex;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.tiered.RemoteTimelineClient;
import dev.strata.core.wal.Wal;
import dev.strata.core.wal.WalAppend;
import dev.strata.core.walbackup.WalBackup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.apache.logging.log4j.CloseableThreadContext;

/**
 * One branch of a tenant: its WAL, its in-memory and persistent layers, and its index.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>{@link #ingest} returns only after the batch is durable in the WAL (under the durability setting);
 *       a batch is one WAL frame, so after a crash it is either wholly readable or not at all.</li>
 *   <li>A read at LSN {@code L} sees exactly the records with LSN at or below {@code L}, on this timeline
 *       and, below the branch point, on its ancestors. Reads never see an unacknowledged batch before it is
 *       durable.</li>
 *   <li>The index file is the truth: a layer becomes part of the timeline when an index that lists it is
 *       durably written, and its file is deleted only after an index that no longer lists it is.</li>
 * </ul>
 *
 * <p>Lock order (INVARIANTS 17): {@code maintenanceLock} (compaction, GC, image creation) →
 * {@code flushLock} → {@code ingestLock} → {@code layerLock}. No lock is held while waiting for an fsync of
 * the WAL, and readers take none.
 */
public final class Timeline {
    private static final System.Logger LOG = System.getLogger(Timeline.class.getName());
    static final String INDEX_FILE = "index_part.json";
    static final String WAL_DIRECTORY = "wal";
    /** How long a writer waits for a failing flush before it is told so. */
    static final java.time.Duration FLUSH_STALL_LIMIT = java.time.Duration.ofSeconds(30);

    private final TenantId tenantId;
    private final TimelineId timelineId;
    private final Path directory;
    private final Generation generation;
    /** Replaced as a whole when the tenant's settings change; the WAL options stay those it was opened with. */
    private volatile TimelineSettings settings;
    private final TimelineResources resources;
    private final Timeline ancestor;
    private final Lsn ancestorLsn;
    private final Wal wal;
    private final ReadPath readPath = new ReadPath(this);

    private final ReentrantLock maintenanceLock = new ReentrantLock();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final ReentrantLock ingestLock = new ReentrantLock();
    private final ReentrantLock layerLock = new ReentrantLock();
    private final Condition frozenDrained = layerLock.newCondition();

    private volatile LayerMap layers;
    private volatile IndexPart index;
    private final AtomicLong lastRecordLsn;
    private final ConcurrentSkipListMap<TimelineId, Lsn> children = new ConcurrentSkipListMap<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Null when the node has no remote storage; set once while loading, before the timeline is published. */
    private volatile RemoteTimelineClient remote;
    /** Null when the WAL is not backed up; set once while loading, before the timeline is published. */
    private volatile WalBackup walBackup;
    private volatile Throwable brokenBy;
    private volatile Throwable lastBackgroundFailure;
    private volatile boolean closed;
    /** This timeline's share of the node's in-memory budget; closed with the timeline. */
    private final InMemoryBudget.Account memory;

    private Timeline(TenantId tenantId, TimelineId timelineId, Path directory, Generation generation,
                     TimelineSettings settings, TimelineResources resources, Timeline ancestor, IndexPart index,
                     LayerMap layers, Wal wal) {
        this.tenantId = tenantId;
        this.timelineId = timelineId;
        this.directory = directory;
        this.generation = generation;
        this.settings = settings;
        this.resources = resources;
        this.ancestor = ancestor;
        this.ancestorLsn = index.metadata().ancestorLsn();
        this.index = index;
        this.layers = layers;
        this.wal = wal;
        this.lastRecordLsn = new AtomicLong(wal.endLsn().value());
        this.memory = resources.memory().account();
    }

    // ---------------------------------------------------------------------------------------------------
    // Creation and loading

    /**
     * Creates a timeline directory crash-safely: everything is written under {@code <dir>.___temp} and
     * renamed into place, so a crash leaves either nothing that loads or a complete timeline.
     *
     * <p>With remote storage, the timeline exists only once its first index is uploaded: this returns after
     * that upload, and if it cannot be made the local directory is removed again, so a crash or failure before
     * it leaves nothing that later loads as a timeline.
     *
     * @param ancestor null for a root timeline
     * @param startLsn the LSN after which the first record is written (the branch point of a branch)
     * @param remote   null when the node has no remote storage
     */
    public static Timeline create(TenantId tenantId, TimelineId timelineId, Path directory, Generation generation,
                                  TimelineSettings settings, TimelineResources resources, Timeline ancestor,
                                  Lsn startLsn, RemoteResources remote) throws IOException {
        if (Files.exists(directory)) {
            throw new EngineException.Conflict("timeline directory " + directory + " already exists");
        }
        Path temp = directory.resolveSibling(directory.getFileName() + DurableFiles.TEMP_SUFFIX);
        DurableFiles.deleteRecursively(temp);
        boolean success = false;
        try {
            Files.createDirectories(temp.resolve(WAL_DIRECTORY));
            IndexPart initial = IndexPart.initial(ancestor == null ? null : ancestor.timelineId(),
                    ancestor == null ? Lsn.INVALID : startLsn, startLsn,
                    ancestor == null ? startLsn : ancestor.index.metadata().initdbLsn());
            DurableFiles.writeAtomically(temp.resolve(INDEX_FILE), initial.toJson());
            try (Wal ignored = Wal.open(temp.resolve(WAL_DIRECTORY), startLsn, settings.wal(), resources.io(),
                    resources.failpoints())) {
                // Opening creates the first segment, so the start LSN is recorded durably.
            }
            DurableFiles.fsyncDirectory(temp);
            resources.failpoints().hit("timeline-create-before-rename");
            DurableFiles.renameNoReplace(temp, directory);
            DurableFiles.fsyncDirectory(directory.getParent());
            success = true;
        } finally {
            if (!success) {
                DurableFiles.deleteRecursively(temp);
            }
        }
        Timeline timeline = load(tenantId, timelineId, directory, generation, settings, resources, ancestor);
        if (remote != null) {
            TimelineLoader.publishNew(timeline, remote);
        }
        return timeline;
    }

    /** Reads a timeline's index without loading it (to learn its ancestor before loading). */
    public static IndexPart readIndex(Path directory) throws IOException {
        Path file = directory.resolve(INDEX_FILE);
        try {
            return IndexPart.parse(Files.readAllBytes(file));
        } catch (InvalidIndexException e) {
            throw new IOException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a timeline from its local index: removes temp and spill files a crash left, refuses unknown files,
     * deletes layer files the index does not list, opens the listed layers, and replays the WAL past the
     * disk-consistent LSN. For a node without remote storage.
     *
     * @param ancestor the loaded ancestor timeline when the index names one
     * @throws IOException naming the file when the directory holds a file the node did not write, or a
     *                     listed layer is missing or of the wrong size
     */
    public static Timeline load(TenantId tenantId, TimelineId timelineId, Path directory, Generation generation,
                                TimelineSettings settings, TimelineResources resources, Timeline ancestor)
            throws IOException {
        return TimelineLoader.loadLocal(tenantId, timelineId, directory, generation, settings, resources, ancestor);
    }

    /**
     * Loads a timeline whose truth is the remote index {@code loaded} (INVARIANTS 6): local layers the index
     * does not list are deleted, ones of another size are deleted and treated as evicted, listed ones that
     * are absent are downloaded on first use. Layers past the index's disk-consistent LSN are deleted locally
     * and remotely (behind a barrier) and recreated from the WAL. The local WAL is used only when the index was
     * written under this generation (otherwise another attachment may have written since). When the index
     * is from another generation, an index under this generation is uploaded before this returns.
     */
    public static Timeline attach(TenantId tenantId, TimelineId timelineId, Path directory, Generation generation,
                                  TimelineSettings settings, TimelineResources resources, Timeline ancestor,
                                  LoadedIndex loaded, RemoteResources remote) throws IOException {
        return TimelineLoader.attach(tenantId, timelineId, directory, generation, settings, resources, ancestor, loaded,
                remote);
    }

    /** Builds a loaded timeline; the loader has reconciled the directory against {@code index}. */
    static Timeline assemble(TenantId tenantId, TimelineId timelineId, Path directory, Generation generation,
                             TimelineSettings settings, TimelineResources resources, Timeline ancestor, IndexPart index,
                             List<PersistentLayer> layers, Wal wal) {
        return new Timeline(tenantId, timelineId, directory, generation, settings, resources, ancestor, index,
                LayerMap.of(layers), wal);
    }

    /** Sets the persistent layers; called once by the loader before the timeline is used. */
    void installLayers(List<PersistentLayer> loaded) {
        layers = LayerMap.of(loaded);
    }

    /**
     * The remote client uploaded {@code uploaded}: WAL below both the local disk-consistent LSN and the visible
     * remote-consistent LSN is no longer needed for recovery.
     */
    void remoteIndexUploaded(IndexPart uploaded) {
        if (closed) {
            return;
        }
        try {
            wal.trim(walTrimPoint());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: trimming the WAL after an upload failed: {2}",
                    tenantId, timelineId, e.toString());
        }
    }

    /** Where the WAL may be trimmed: what is in local layers and, with remote storage, also in the bucket. */
    private Lsn walTrimPoint() {
        Lsn local = index.diskConsistentLsn();
        RemoteTimelineClient client = remote;
        if (client == null) {
            return local;
        }
        Lsn visible = client.visibleRemoteConsistentLsn();
        return visible.isBefore(local) ? visible : local;
    }

    /** Connects the remote client; called once by the loader before the timeline is used. */
    void connectRemote(RemoteTimelineClient client) {
        if (remote != null) {
            throw new IllegalStateException("timeline " + timelineId + " already has a remote client");
        }
        remote = client;
    }

    /** Starts backing up the WAL with {@code backup}; called once by the loader. */
    void connectWalBackup(WalBackup backup) {
        if (walBackup != null) {
            throw new IllegalStateException("timeline " + timelineId + " already backs up its WAL");
        }
        walBackup = backup;
    }

    /** The WAL, for the loader to hand to its backup. */
    Wal wal() {
        return wal;
    }

    /**
     * The LSN up to which the WAL is backed up in remote storage, or empty when the WAL is not backed up (no
     * remote storage, or WAL backup off).
     */
    public java.util.Optional<Lsn> walBackupLsn() {
        WalBackup backup = walBackup;
        return backup == null ? java.util.Optional.empty() : java.util.Optional.of(backup.backedUpLsn());
    }

    /** The WAL backup of this timeline, or empty when the WAL is not backed up. */
    public java.util.Optional<WalBackup> walBackup() {
        return java.util.Optional.ofNullable(walBackup);
    }

    /** Called by the loader once the WAL is replayed: the timeline is now visible to its ancestor. */
    void registerWithAncestor() {
        if (ancestor != null) {
            ancestor.children.put(timelineId, ancestorLsn);
        }
    }

    /** A layer for a file this node just wrote or opened. */
    PersistentLayer residentLayer(LayerFileName fileName, long fileSize, Path path) throws IOException {
        return PersistentLayer.resident(fileName, fileSize, LayerFile.open(path, resources.cache()), path, resources.cache(),
                this::downloadLayer);
    }

    /** A layer that is only in remote storage. */
    PersistentLayer evictedLayer(LayerFileName fileName, long fileSize) {
        return PersistentLayer.evicted(fileName, fileSize, directory.resolve(fileName.localFileName()), resources.cache(),
                this::downloadLayer);
    }

    private Path downloadLayer(LayerFileName fileName, long fileSize) throws IOException {
        RemoteTimelineClient client = remote;
        if (client == null) {
            throw new IOException("layer " + fileName.localFileName() + " of timeline " + timelineId
                    + " is not on disk and the node has no remote storage");
        }
        long started = System.nanoTime();
        Path path = client.download(fileName, fileSize);
        resources.metrics().layerDownloaded(fileSize, System.nanoTime() - started);
        return path;
    }

    void replayWal() throws IOException {
        Lsn from = index.diskConsistentLsn();
        if (wal.endLsn().isBefore(from)) {
            throw new IOException("WAL of timeline " + timelineId + " ends at " + wal.endLsn()
                    + ", before the disk-consistent LSN " + from + " of its index");
        }
        wal.replay(from, (entries, frameEnd) -> {
            InMemoryLayer open = openLayerForWrite();
            for (PageEntry entry : entries) {
                open.put(entry.key(), entry.lsn(), entry.record());
            }
            if (grewPastLimit(open)) {
                freezeOpen(frameEnd.plus(1));
            }
        });
        lastRecordLsn.set(wal.endLsn().value());
    }

    // ---------------------------------------------------------------------------------------------------
    // Writes

    /**
     * Appends a batch and returns its commit LSN (the LSN of its last record) once durable.
     *
     * @throws EngineException.BadRequest for an empty batch, the key {@link Key#MAX}, or a batch too large
     *                                    for one WAL segment
     * @throws EngineException.Broken when the timeline cannot accept writes any more
     */
    public Lsn ingest(List<PageWrite> batch) throws IOException {
        long started = System.nanoTime();
        checkUsable();
        if (batch.isEmpty()) {
            throw new EngineException.BadRequest("empty batch for timeline " + timelineId);
        }
        for (PageWrite write : batch) {
            if (write.key().equals(Key.MAX)) {
                throw new EngineException.BadRequest("key " + Key.MAX + " is reserved as the end of the key space");
            }
        }
        awaitFrozenCapacity();
        WalAppend append;
        ingestLock.lock();
        try {
            checkUsable();
            try {
                append = wal.append(batch);
            } catch (IllegalArgumentException e) {
                throw new EngineException.BadRequest(e.getMessage());
            }
            // The force runs while the batch goes into memory; waitDurable below then waits for it.
            wal.syncSoon(append.endLsn());
            InMemoryLayer open = openLayerForWrite();
            List<Lsn> lsns = append.recordLsns();
            for (int i = 0; i < batch.size(); i++) {
                open.put(batch.get(i).key(), lsns.get(i), batch.get(i).record());
            }
            if (grewPastLimit(open)) {
                freezeOpen(append.endLsn().plus(1));
            }
        } catch (IOException e) {
            markBroken(e);
            throw e;
        } finally {
            ingestLock.unlock();
        }
        try {
            wal.waitDurable(append.endLsn());
        } catch (IOException e) {
            // The records may or may not be on disk: never acknowledge, never flush them.
            markBroken(e);
            throw e;
        }
        lastRecordLsn.accumulateAndGet(append.endLsn().value(), Math::max);
        resources.metrics().ingested(batch.size(), PageWrite.payloadBytes(batch), System.nanoTime() - started);
        return append.endLsn();
    }

    /**
     * Reports the open layer's new size to the node's budget and tells whether it must be frozen now: it passed
     * {@code checkpoint_distance}, or the node is over its in-memory budget and this layer holds its fair share.
     * Caller holds the ingest lock (or is loading).
     */
    private boolean grewPastLimit(InMemoryLayer open) {
        long bytes = open.bytes();
        memory.grew(bytes);
        return bytes >= settings.checkpointDistance() || resources.memory().shouldFreeze(bytes);
    }

    /**
     * Holds a writer back while too many frozen layers wait for flush, in this timeline or (by the node's
     * in-memory budget) node-wide. When flushes keep failing, the writer gets a 503-class error naming the cause
     * after {@link #FLUSH_STALL_LIMIT}, instead of waiting forever.
     */
    private void awaitFrozenCapacity() throws IOException {
        awaitOwnFrozenCapacity();
        String stall;
        try {
            stall = resources.memory().awaitRoom(this::scheduleFlush, FLUSH_STALL_LIMIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for flush", e);
        }
        if (stall != null) {
            throw new EngineException.Unavailable("timeline " + timelineId + " holds writes back: " + stall);
        }
    }

    private void awaitOwnFrozenCapacity() throws IOException {
        long started = System.nanoTime();
        layerLock.lock();
        try {
            while (layers.frozen().size() >= settings.maxFrozenLayers()) {
                checkUsable();
                Throwable flushFailure = lastBackgroundFailure;
                if (flushFailure != null && System.nanoTime() - started > FLUSH_STALL_LIMIT.toNanos()) {
                    throw new EngineException.Unavailable("timeline " + timelineId + " holds writes back: flushing to layer "
                            + "files keeps failing (" + flushFailure.getMessage() + ")");
                }
                scheduleFlush();
                try {
                    frozenDrained.await(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for flush", e);
                }
            }
        } finally {
            layerLock.unlock();
        }
    }

    /** The open layer, created on first use. Caller holds the ingest lock (or is loading). */
    private InMemoryLayer openLayerForWrite() {
        LayerMap current = layers;
        if (current.open() != null) {
            return current.open();
        }
        layerLock.lock();
        try {
            Lsn start = current.frozen().isEmpty() ? index.diskConsistentLsn().plus(1) : current.frozen().getLast().lsnEnd();
            InMemoryLayer open = new InMemoryLayer(start);
            layers = layers.withOpen(open);
            return open;
        } finally {
            layerLock.unlock();
        }
    }

    /**
     * Freezes the open layer at {@code end} (exclusive) and schedules a background flush. Caller holds the
     * ingest lock (or is loading).
     */
    private void freezeOpen(Lsn end) {
        if (freeze(end)) {
            scheduleFlush();
        }
    }

    /** Freezes the open layer at {@code end}; returns false when there was nothing to freeze. */
    private boolean freeze(Lsn end) {
        layerLock.lock();
        try {
            InMemoryLayer open = layers.open();
            if (open == null || open.isEmpty()) {
                return false;
            }
            open.freeze(end);
            memory.froze(open.bytes());
            layers = layers.withOpenFrozen();
            return true;
        } finally {
            layerLock.unlock();
        }
    }

    /** Freezes the open layer if it is older than the checkpoint timeout. Called by the engine's ticker. */
    public void freezeIfIdle() {
        InMemoryLayer open = layers.open();
        if (open == null || open.isEmpty() || open.ageNanos() < settings.checkpointTimeout().toNanos()) {
            return;
        }
        ingestLock.lock();
        try {
            freezeOpen(appendedEnd());
        } finally {
            ingestLock.unlock();
        }
    }

    /**
     * The exclusive end of everything appended so far. Caller holds the ingest lock, so every appended
     * record is in the open layer. Not the last record LSN: a batch may be appended and in memory while it
     * waits for its fsync, and a layer must never be frozen below a record it holds.
     */
    private Lsn appendedEnd() {
        return wal.endLsn().plus(1);
    }

    // ---------------------------------------------------------------------------------------------------
    // Flush

    private void scheduleFlush() {
        if (closed || !flushScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            resources.background().execute(() -> {
                flushScheduled.set(false);
                try (CloseableThreadContext.Instance _ = logContext()) {
                    flushFrozen();
                    lastBackgroundFailure = null;
                } catch (IOException | RuntimeException e) {
                    lastBackgroundFailure = e;
                    resources.metrics().backgroundFailed();
                    // Retried at the next freeze or checkpoint; writers are held back meanwhile.
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            flushScheduled.set(false);
        }
    }

    /**
     * Freezes the open layer and flushes every frozen layer, returning when all records acknowledged before
     * the call are in persistent layers listed by the index.
     */
    public void checkpoint() throws IOException {
        checkUsable();
        ingestLock.lock();
        try {
            // Flushed below, in this thread: a background flush would only race it.
            freeze(appendedEnd());
        } finally {
            ingestLock.unlock();
        }
        flushFrozen();
    }

    /** Flushes frozen layers oldest first; one flush at a time per timeline. */
    void flushFrozen() throws IOException {
        flushLock.lock();
        try {
            while (true) {
                checkUsable();
                List<InMemoryLayer> frozen = layers.frozen();
                if (frozen.isEmpty()) {
                    return;
                }
                flushOne(frozen.getFirst());
            }
        } finally {
            flushLock.unlock();
        }
    }

    private void flushOne(InMemoryLayer frozen) throws IOException {
        Lsn end = frozen.lsnEnd();
        // A layer must never hold records the WAL may lose: the index would then claim LSNs that a restart
        // could hand out again.
        wal.waitDurable(end.plus(-1));
        WrittenLayer written;
        try (LayerWriter writer = LayerWriter.delta(directory, frozen.lsnStart(), end, generation, settings.layerWrite(),
                resources.io(), resources.failpoints())) {
            frozen.forEachEncoded(writer::addEncoded);
            written = writer.finish(Key.MIN, Key.MAX);
        }
        PersistentLayer layer = null;
        boolean success = false;
        try {
            resources.failpoints().hit("flush-before-index");
            layer = residentLayer(written.fileName(), written.fileSize(), written.path());
            layerLock.lock();
            try {
                NavigableMap<LayerName, LayerMetadata> listed = new TreeMap<>(index.layers());
                listed.put(layer.name(), layer.metadata());
                IndexPart next = withLsnHistory(index.withLayers(listed, end.plus(-1)), end.plus(-1));
                writeIndex(next);
                layers = layers.withFlushed(frozen, layer);
                // Under the layer lock (INVARIANTS 8): no compaction can see the layer before its upload is queued.
                RemoteTimelineClient client = remote;
                if (client != null) {
                    client.scheduleLayerUpload(layer.fileName(), layer.metadata());
                    client.scheduleIndexUpload(next);
                }
                frozenDrained.signalAll();
            } finally {
                layerLock.unlock();
            }
            success = true;
        } finally {
            if (!success) {
                if (layer != null) {
                    layer.retire();
                }
                // A broken timeline may have an index on disk that lists this layer: keep it for the restart.
                if (!written.reused() && !isBroken()) {
                    Files.deleteIfExists(written.path());
                }
            }
        }
        memory.flushed(frozen.bytes());
        resources.metrics().flushed(written.fileSize());
        resources.failpoints().hit("flush-after-index");
        wal.trim(walTrimPoint());
    }

    // ---------------------------------------------------------------------------------------------------
    // Index

    /** Validates and durably writes the index, then makes it current. Caller holds the layer lock. */
    void writeIndex(IndexPart next) throws IOException {
        if (!layerLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("index written without the layer lock");
        }
        try {
            next.validate();
        } catch (InvalidIndexException e) {
            throw new IllegalStateException("refusing to write an invalid index for timeline " + timelineId + ": "
                    + e.getMessage(), e);
        }
        resources.failpoints().hit("index-before-write");
        try {
            DurableFiles.writeAtomically(directory.resolve(INDEX_FILE), next.toJson());
        } catch (IOException e) {
            // The rename may have happened before the error (a failed directory fsync): the index on disk
            // may list files that callers would otherwise delete as leftovers. Stop here; a restart
            // reconciles the directory against whichever index is on disk.
            markBroken(e);
            throw e;
        }
        index = next;
    }

    private IndexPart withLsnHistory(IndexPart next, Lsn lsn) {
        return next.withPreserved(LsnHistory.FIELD, LsnHistory.from(index).with(resources.clock().instant(), lsn).toJson());
    }

    /**
     * Replaces persistent layers: writes an index without {@code removed} and with {@code added}, switches
     * the layer map, then deletes the removed files. If the index cannot be written, nothing changes and
     * the caller still owns the added files.
     */
    void replaceLayers(Collection<PersistentLayer> removed, Collection<PersistentLayer> added, Lsn newGcCutoff)
            throws IOException {
        layerLock.lock();
        try {
            NavigableMap<LayerName, LayerMetadata> listed = new TreeMap<>(index.layers());
            for (PersistentLayer layer : removed) {
                listed.remove(layer.name());
            }
            for (PersistentLayer layer : added) {
                listed.put(layer.name(), layer.metadata());
            }
            IndexPart next = index.withLayers(listed, index.diskConsistentLsn());
            if (newGcCutoff != null) {
                next = next.withGcCutoff(newGcCutoff);
            }
            writeIndex(next);
            layers = layers.withReplaced(removed, added);
            // Under the layer lock (INVARIANTS 8); then the index, then the deletion (INVARIANTS 7).
            RemoteTimelineClient client = remote;
            if (client != null) {
                for (PersistentLayer layer : added) {
                    client.scheduleLayerUpload(layer.fileName(), layer.metadata());
                }
                client.scheduleIndexUpload(next);
                client.scheduleDeletion(removed.stream().map(PersistentLayer::fileName).toList());
            }
        } finally {
            layerLock.unlock();
        }
        RemoteTimelineClient client = remote;
        for (PersistentLayer layer : removed) {
            layer.retire();
            if (client == null) {
                Files.deleteIfExists(layer.path());
            } else {
                // A queued upload may still read the file: delete it only once that upload is done.
                client.whenUploaded(layer.fileName(), () -> deleteRetiredFile(layer));
            }
        }
        if (!removed.isEmpty() && client == null) {
            DurableFiles.fsyncDirectory(directory);
        }
    }

    /** Deletes a retired layer's file, unless a layer of the same name and generation is live again. */
    private void deleteRetiredFile(PersistentLayer retired) {
        for (PersistentLayer live : layers.persistent()) {
            if (live.fileName().equals(retired.fileName())) {
                return;
            }
        }
        try {
            Files.deleteIfExists(retired.path());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: could not delete replaced layer {2}: {3}"
                    + " (the next load removes it)", tenantId, timelineId, retired.path(), e.toString());
        }
    }

    /** Persists a new GC cutoff before anything below it is deleted. */
    void persistGcCutoff(Lsn cutoff) throws IOException {
        layerLock.lock();
        try {
            writeIndex(index.withGcCutoff(cutoff));
            RemoteTimelineClient client = remote;
            if (client != null) {
                client.scheduleIndexUpload(index);
            }
        } finally {
            layerLock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Reads

    /**
     * The page of {@code key} as of {@code lsn}, or null when the key has no value at that LSN.
     *
     * @throws EngineException.BadRequest when {@code lsn} is past the last record or below the GC cutoff
     */
    public byte[] get(Key key, Lsn lsn) throws IOException {
        long started = System.nanoTime();
        checkReadLsn(lsn);
        byte[] page = reconstruct(key, lsn);
        resources.metrics().read(1, System.nanoTime() - started);
        return page;
    }

    /** Pages of several keys at one LSN; a null element for a key without a value. */
    public List<byte[]> getBatch(List<Key> keys, Lsn lsn) throws IOException {
        long started = System.nanoTime();
        checkReadLsn(lsn);
        List<byte[]> out = new ArrayList<>(keys.size());
        for (Key key : keys) {
            out.add(reconstruct(key, lsn));
        }
        resources.metrics().read(keys.size(), System.nanoTime() - started);
        return out;
    }

    /** Every key in [from, to) that has a value at {@code lsn}, with its page, in key order. */
    public NavigableMap<Key, byte[]> scan(Key from, Key to, Lsn lsn) throws IOException {
        long started = System.nanoTime();
        checkReadLsn(lsn);
        NavigableMap<Key, byte[]> out = new TreeMap<>();
        for (Key key : keysAt(from, to, lsn)) {
            byte[] page = reconstruct(key, lsn);
            if (page != null) {
                out.put(key, page);
            }
        }
        resources.metrics().read(out.size(), System.nanoTime() - started);
        return out;
    }

    private void checkReadLsn(Lsn lsn) {
        if (brokenBy != null) {
            throw new EngineException.Broken("timeline " + timelineId + " is broken: " + brokenBy.getMessage(), brokenBy);
        }
        Lsn last = lastRecordLsn();
        if (lsn.isAfter(last)) {
            throw new EngineException.BadRequest("LSN " + lsn + " is past the last record LSN " + last
                    + " of timeline " + timelineId);
        }
        Lsn cutoff = index.metadata().latestGcCutoffLsn();
        if (lsn.isBefore(cutoff)) {
            throw new EngineException.BadRequest("LSN " + lsn + " is below the GC cutoff " + cutoff
                    + " of timeline " + timelineId);
        }
        Lsn floor = ancestor == null ? index.metadata().initdbLsn() : ancestorLsn;
        if (lsn.isBefore(floor)) {
            throw new EngineException.BadRequest("LSN " + lsn + " is before the start " + floor + " of timeline " + timelineId);
        }
    }

    /** Rebuilds a page without range checks; used by reads, image creation and children. */
    byte[] reconstruct(Key key, Lsn lsn) throws IOException {
        return readPath.reconstruct(key, lsn);
    }

    /** As {@link #reconstruct(Key, Lsn)}, keeping blocks in {@code memo} rather than the shared cache. */
    byte[] reconstruct(Key key, Lsn lsn, BlockMemo memo) throws IOException {
        return readPath.reconstruct(key, lsn, memo);
    }

    /** Keys in [from, to) with any value at or below {@code lsn}, here or in ancestors below the branch point. */
    Set<Key> keysAt(Key from, Key to, Lsn lsn) throws IOException {
        return readPath.keysAt(from, to, lsn);
    }

    // ---------------------------------------------------------------------------------------------------
    // Maintenance

    /** Runs L0 compaction and image creation now if their thresholds are met. */
    public CompactionResult compact() throws IOException {
        checkUsable();
        maintenanceLock.lock();
        try {
            CompactionResult result = new Compaction(this).run();
            resources.metrics().compacted();
            return result;
        } finally {
            maintenanceLock.unlock();
        }
    }

    /** Runs garbage collection now: advances the cutoff and deletes layers no read can need. */
    public GcResult gc() throws IOException {
        checkUsable();
        maintenanceLock.lock();
        try {
            GcResult result = new GarbageCollection(this).run();
            resources.metrics().garbageCollected();
            return result;
        } finally {
            maintenanceLock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Accessors for the engine and this package

    public TenantId tenantId() {
        return tenantId;
    }

    public TimelineId timelineId() {
        return timelineId;
    }

    public Path directory() {
        return directory;
    }

    public Generation generation() {
        return generation;
    }

    public Timeline ancestor() {
        return ancestor;
    }

    /** The branch point, or {@link Lsn#INVALID} for a root timeline. */
    public Lsn ancestorLsn() {
        return ancestorLsn;
    }

    public Lsn lastRecordLsn() {
        return Lsn.of(lastRecordLsn.get());
    }

    public Lsn diskConsistentLsn() {
        return index.diskConsistentLsn();
    }

    public Lsn gcCutoff() {
        return index.metadata().latestGcCutoffLsn();
    }

    public IndexPart index() {
        return index;
    }

    /** Children and their branch points. */
    public Map<TimelineId, Lsn> children() {
        return Map.copyOf(children);
    }

    /** Names of the persistent layers, for tools and tests. */
    public List<LayerFileName> layerFileNames() {
        return layers.persistent().stream().map(PersistentLayer::fileName).sorted(
                java.util.Comparator.comparing(LayerFileName::name)).toList();
    }

    /** Layer counts by kind, for the node's gauges. */
    /** This timeline's LSNs for the node's gauges. */
    public TimelineLsns lsns() {
        RemoteTimelineClient client = remote;
        return new TimelineLsns(tenantId, timelineId, lastRecordLsn(), diskConsistentLsn(),
                client == null ? Lsn.INVALID : client.projectedRemoteConsistentLsn(),
                client == null ? Lsn.INVALID : client.visibleRemoteConsistentLsn());
    }

    /** This timeline's upload queue, or nothing when it has no remote storage. */
    public UploadTotals uploadTotals() {
        RemoteTimelineClient client = remote;
        return client == null ? UploadTotals.NONE : client.uploadTotals();
    }

    public LayerTotals layerTotals() {
        LayerMap current = layers;
        long l0 = current.deltas().stream().filter(PersistentLayer::isL0).count();
        return new LayerTotals(l0, current.deltas().size() - l0, current.images().size(), current.frozen().size());
    }

    /**
     * Puts this timeline's tenant, timeline and generation into the Log4j thread context until closed, so log
     * lines written meanwhile (by this thread, through System.Logger too) carry them.
     */
    public CloseableThreadContext.Instance logContext() {
        return CloseableThreadContext.put("tenant_id", tenantId.hex())
                .put("timeline_id", timelineId.hex())
                .put("generation", generation.isNone() ? "none" : Long.toString(generation.value()));
    }

    /** Number of frozen layers waiting for flush. */
    public int frozenLayerCount() {
        return layers.frozen().size();
    }

    public Throwable lastBackgroundFailure() {
        return lastBackgroundFailure;
    }

    public boolean isBroken() {
        return brokenBy != null;
    }

    /** True while the timeline serves requests: not shut down and not broken. */
    public boolean isActive() {
        return !closed && brokenBy == null;
    }

    /** True when enough L0 layers have gathered for a compaction pass. */
    public boolean compactionDue() {
        return layers.l0().size() >= settings.compactionThreshold();
    }

    /** The settings in force: the tenant's, except the WAL options, which are those the WAL was opened with. */
    public TimelineSettings settings() {
        return settings;
    }

    /**
     * Applies new tenant settings to the running timeline. Thresholds, timeouts, GC and eviction settings and
     * compression take effect with the next write, flush, compaction, GC or eviction pass; the WAL options
     * (segment size, durability) only when the timeline is loaded again, so they are kept as they are here.
     */
    public void updateSettings(TimelineSettings next) {
        Objects.requireNonNull(next, "next is null");
        settings = next.withWal(settings.wal());
    }

    TimelineResources resources() {
        return resources;
    }

    LayerMap layers() {
        return layers;
    }

    /** Tells the ancestor this branch is gone, so GC stops keeping its branch point. */
    public void detachFromAncestor() {
        if (ancestor != null) {
            ancestor.children.remove(timelineId);
        }
    }

    void markBroken(Throwable cause) {
        if (brokenBy == null) {
            brokenBy = cause;
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new EngineException.Broken("timeline " + timelineId + " is shut down", null);
        }
        if (brokenBy != null) {
            throw new EngineException.Broken("timeline " + timelineId + " is broken: " + brokenBy.getMessage(), brokenBy);
        }
    }

    /**
     * Stops the timeline. With {@code flush}, freezes and flushes in-memory data first (a clean shutdown);
     * without, the WAL alone keeps it (as after a crash).
     */
    public void close(boolean flush) throws IOException {
        RemoteTimelineClient client = remote;
        close(flush, client == null ? Duration.ZERO : client.barrierTimeout());
    }

    /**
     * Stops the timeline, as {@link #close(boolean)}, waiting at most {@code drainBudget} for pending uploads
     * (a node shutting down shares one deadline among all its timelines).
     */
    public void close(boolean flush, Duration drainBudget) throws IOException {
        if (closed) {
            return;
        }
        try {
            if (flush && brokenBy == null) {
                checkpoint();
            }
        } finally {
            closed = true;
            memory.close();
            RemoteTimelineClient client = remote;
            IOException drainFailure = null;
            if (client != null) {
                try {
                    // A clean shutdown leaves the bucket up to date, so the next attachment (here or elsewhere)
                    // finds everything; a crash-like one leaves the rest to the WAL.
                    client.shutdown(flush && brokenBy == null, drainBudget);
                } catch (IOException e) {
                    drainFailure = e;
                }
            }
            WalBackup backup = walBackup;
            if (backup != null) {
                // Graceful: one last partial upload, so the bucket holds the WAL up to its end.
                backup.close(flush && brokenBy == null);
                if (resources.walBackup() != null) {
                    resources.walBackup().unregister(backup);
                }
            }
            maintenanceLock.lock();
            flushLock.lock();
            try {
                wal.close();
                for (PersistentLayer layer : layers.persistent()) {
                    layer.retire();
                }
            } finally {
                flushLock.unlock();
                maintenanceLock.unlock();
            }
            if (drainFailure != null) {
                LOG.log(System.Logger.Level.WARNING, "tenant {0} timeline {1}: closed with uploads pending: {2}",
                        tenantId, timelineId, drainFailure.getMessage());
            }
        }
    }

    /**
     * Resident layers whose local file may go: uploaded (no upload pending), not used within
     * {@code minResidenceNanos}, and not L0 layers that a due compaction is about to read. Empty without remote
     * storage.
     */
    public List<EvictableLayer> evictableLayers(long nowNanos, long minResidenceNanos) {
        RemoteTimelineClient client = remote;
        if (client == null || closed) {
            return List.of();
        }
        LayerMap current = layers;
        boolean compactionDue = compactionDue();
        List<EvictableLayer> candidates = new ArrayList<>();
        for (PersistentLayer layer : current.persistent()) {
            if (!layer.isResident() || nowNanos - layer.lastAccessNanos() < minResidenceNanos
                    || (compactionDue && layer.isL0()) || client.uploadPending(layer.fileName())) {
                continue;
            }
            candidates.add(new EvictableLayer(this, layer.fileName(), layer.fileSize(), layer.lastAccessNanos()));
        }
        return candidates;
    }

    /**
     * Deletes the local file of a layer that remote storage holds; a later read downloads it again.
     *
     * @return false when the layer is gone, in use, not resident, or its upload is pending
     */
    public boolean evict(LayerFileName fileName) throws IOException {
        RemoteTimelineClient client = remote;
        if (client == null || closed) {
            return false;
        }
        for (PersistentLayer layer : layers.persistent()) {
            if (layer.fileName().equals(fileName)) {
                if (client.uploadPending(fileName) || !layer.tryEvict()) {
                    return false;
                }
                resources.metrics().layerEvicted(layer.fileSize());
                return true;
            }
        }
        return false;
    }

    /**
     * The resident layers that the last uploaded index lists, each with when it was last read (wall clock), for
     * the tenant's heatmap: only layers the bucket holds, so a Secondary location can download every one. Empty
     * without remote storage or once closed.
     *
     * @param now      the wall-clock time that corresponds to {@code nowNanos}
     * @param nowNanos {@link System#nanoTime()} at {@code now}
     */
    public List<dev.strata.core.tiered.Heatmap.HeatmapLayer> heatmapLayers(java.time.Instant now, long nowNanos) {
        RemoteTimelineClient client = remote;
        if (client == null || closed) {
            return List.of();
        }
        IndexPart uploaded = client.cleanIndex();
        List<dev.strata.core.tiered.Heatmap.HeatmapLayer> hot = new ArrayList<>();
        for (PersistentLayer layer : layers.persistent()) {
            if (!layer.isResident()) {
                continue;
            }
            LayerMetadata listed = uploaded.layers().get(layer.name());
            if (listed == null || !listed.generation().equals(layer.generation()) || listed.fileSize() != layer.fileSize()) {
                continue;
            }
            java.time.Instant accessed = now.minusNanos(Math.max(0, nowNanos - layer.lastAccessNanos()));
            hot.add(new dev.strata.core.tiered.Heatmap.HeatmapLayer(layer.fileName(), layer.fileSize(), accessed));
        }
        return hot;
    }

    /** Persistent layers and how many of them are resident. */
    public LayerResidence residence() {
        long resident = 0;
        long residentBytes = 0;
        List<PersistentLayer> all = layers.persistent();
        for (PersistentLayer layer : all) {
            if (layer.isResident()) {
                resident++;
                residentBytes += layer.fileSize();
            }
        }
        return new LayerResidence(all.size(), resident, residentBytes);
    }

    /** How many persistent layers a timeline has and how many of them are on local disk. */
    public record LayerResidence(long layers, long resident, long residentBytes) {}

    /** This timeline's link to remote storage, or null when the node has none. */
    public RemoteTimelineClient remote() {
        return remote;
    }

    @Override
    public String toString() {
        return "Timeline[tenant=" + tenantId + ", timeline=" + timelineId + ", generation=" + generation + "]";
    }
}
