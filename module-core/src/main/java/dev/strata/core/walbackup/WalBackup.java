package dev.strata.core.walbackup;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.remote.ContentSource;
import dev.strata.core.tiered.RemoteResources;
import dev.strata.core.wal.Wal;
import dev.strata.core.wal.WalSegmentSpan;
import dev.strata.core.walbackup.WalBackupState.Status;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Backs up one timeline's WAL to remote storage: each closed segment whole, and the open segment's durable
 * prefix as a partial object (see {@link WalObjectName}) when the durable LSN moved and the partial interval
 * passed, and once more on a graceful close. A node-wide {@link WalBackupScheduler} decides when
 * {@link #runOnce} runs, so a node with many timelines needs no thread per timeline.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Tracked before written.</b> An object is recorded {@code in_progress} in the {@link WalBackupState}
 *       (crash-safe) before its upload starts, so every object that may exist can be found and deleted later.</li>
 *   <li><b>Ours only.</b> An upload is recorded {@code uploaded} only if the tenant's generation is still ours
 *       when it finished; otherwise this backup stops and leaves the entry {@code in_progress} for the next
 *       attachment to settle.</li>
 *   <li><b>Deleted after the successor is safe.</b> Older partials are marked {@code deleting} in the same state
 *       write that records their successor {@code uploaded}, handed to the deletion step
 *       ({@link RemoteResources#deletions()}), and only then dropped from the state. Full segments are deleted
 *       once the visible remote-consistent LSN has passed them (INVARIANTS 11: that LSN is validated).</li>
 *   <li><b>Full segments are written once.</b> A full segment is put "only if absent" (where the backend can):
 *       an object already under its name with the same bytes (our own earlier attempt, or the segment a restore
 *       fetched) is taken as uploaded; one with other bytes is a conflict: it is logged as an error naming the
 *       object and where the bytes differ, counted ({@link #conflicts()}), never overwritten, and the backup of
 *       this timeline does not pass it (its backed-up LSN stays behind; the check is repeated later, so a
 *       conflicting object that is deleted meanwhile lets the backup go on).</li>
 *   <li><b>Adopts what it finds.</b> On open, every WAL object in the bucket that is not of a newer generation is
 *       brought into the state (a lost disk, another node's objects), entries whose object does not exist are
 *       dropped, and only the partial recovery would choose stays {@code uploaded}. Objects that lie past this
 *       WAL (a full segment from its open segment on, a partial of a later segment: a history that this WAL does
 *       not continue, such as what followed a gap that stopped a restore) are deleted, not adopted. A full segment
 *       is trusted as ours only once its bytes were compared with the local segment.</li>
 * </ul>
 *
 * <p>Thread safety: {@link #runOnce} and {@link #close} serialise on one lock; the accessors are lock-free.
 */
public final class WalBackup {
    /** Failpoint hit after an upload's intent was recorded, before the object is written. */
    public static final String FAILPOINT_AFTER_INTENT = "wal-backup-after-intent";
    /** Failpoint hit after an upload was recorded, before superseded objects are deleted. */
    public static final String FAILPOINT_BEFORE_DELETE = "wal-backup-before-delete";

    private static final System.Logger LOG = System.getLogger(WalBackup.class.getName());
    /** How long a backup that found a conflicting full segment waits before it looks again. */
    private static final long CONFLICT_RETRY_NANOS = Duration.ofSeconds(10).toNanos();
    private static final long NOT_LAGGING = Long.MIN_VALUE;

    private final TenantId tenantId;
    private final TimelineId timelineId;
    private final Generation generation;
    private final long nodeId;
    private final Path timelineDirectory;
    private final Wal wal;
    private final RemoteResources remote;
    private final Failpoints failpoints;
    private final Supplier<Lsn> removableBelow;
    private final Supplier<Generation> currentGeneration;
    private final long intervalNanos;

    private final ReentrantLock runLock = new ReentrantLock();
    // Guarded by runLock.
    private WalBackupState state;
    private final Map<WalObjectName, Lsn> knownEnds = new HashMap<>();
    /** Full segments known to hold exactly the local segment's bytes (uploaded or compared by this instance). */
    private final Set<WalObjectName.Full> verified = new HashSet<>();
    /** Full segments found with other bytes than ours, by the ETag of the conflicting object. */
    private final Map<WalObjectName.Full, String> conflicting = new HashMap<>();
    private long lastPartialNanos;
    private Lsn lastPartialFlush;
    private long retryNotBeforeNanos;
    private volatile boolean closed;
    private volatile boolean stale;
    private volatile Lsn backedUpLsn;
    private volatile String conflict;
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong laggingSinceNanos = new AtomicLong(NOT_LAGGING);
    private final AtomicBoolean scheduled = new AtomicBoolean();

    private WalBackup(TenantId tenantId, TimelineId timelineId, Generation generation, long nodeId, Path timelineDirectory,
                      Wal wal, RemoteResources remote, Failpoints failpoints, Supplier<Lsn> removableBelow,
                      Supplier<Generation> currentGeneration, Duration interval, WalBackupState state, Lsn backedUpLsn) {
        this.tenantId = tenantId;
        this.timelineId = timelineId;
        this.generation = generation;
        this.nodeId = nodeId;
        this.timelineDirectory = timelineDirectory;
        this.wal = wal;
        this.remote = remote;
        this.failpoints = failpoints;
        this.removableBelow = removableBelow;
        this.currentGeneration = currentGeneration;
        this.intervalNanos = interval.toNanos();
        this.state = state;
        this.backedUpLsn = backedUpLsn;
        this.lastPartialFlush = backedUpLsn;
        this.lastPartialNanos = System.nanoTime();
    }

    /**
     * Reads the timeline's backup state, reconciles it with the bucket (adopting objects of older or equal
     * generations, dropping entries whose objects are gone, keeping one partial {@code uploaded}) and writes it.
     *
     * @param removableBelow    the visible remote-consistent LSN: full segments that end at or below it may go
     * @param currentGeneration the tenant's generation now (checked after every upload)
     * @throws IOException when the state cannot be read or written, or the bucket cannot be listed
     */
    public static WalBackup open(TenantId tenantId, TimelineId timelineId, Generation generation, Path timelineDirectory,
                                 Wal wal, RemoteResources remote, Failpoints failpoints, WalBackupOptions options,
                                 Supplier<Lsn> removableBelow, Supplier<Generation> currentGeneration) throws IOException {
        requireNonNull(tenantId, "tenantId is null");
        requireNonNull(timelineId, "timelineId is null");
        requireNonNull(generation, "generation is null");
        requireNonNull(timelineDirectory, "timelineDirectory is null");
        requireNonNull(wal, "wal is null");
        requireNonNull(remote, "remote is null");
        requireNonNull(failpoints, "failpoints is null");
        requireNonNull(options, "options is null");
        requireNonNull(removableBelow, "removableBelow is null");
        requireNonNull(currentGeneration, "currentGeneration is null");
        WalBackupState stored = WalBackupState.read(timelineDirectory);
        String prefix = remote.layout().walPrefix(tenantId, timelineId);
        Map<WalObjectName, Lsn> ends = new HashMap<>();
        for (ObjectMetadata object : remote.storage().listAll(prefix, CallContext.NONE)) {
            Optional<WalObjectName> name = WalObjectName.parse(object.key().substring(prefix.length()));
            if (name.isEmpty()) {
                continue;
            }
            switch (name.get()) {
                case WalObjectName.Full full -> {
                    if (object.size() >= Wal.segmentBytesUpTo(full.segmentStart(), full.segmentStart())) {
                        ends.put(full, Wal.segmentEnd(full.segmentStart(), object.size()));
                    }
                }
                case WalObjectName.Partial partial -> {
                    if (partial.generation().compareTo(generation) <= 0) {
                        ends.put(partial, partial.flushLsn());
                    }
                }
            }
        }
        // Objects past this WAL belong to a history it does not continue: delete them rather than adopt them.
        Lsn openSegment = wal.segmentSpans().getLast().start();
        List<WalObjectName> beyond = ends.keySet().stream().filter(object -> switch (object) {
            case WalObjectName.Full full -> !full.segmentStart().isBefore(openSegment);
            case WalObjectName.Partial partial -> partial.segmentStart().isAfter(openSegment);
        }).sorted(Comparator.comparing(WalObjectName::objectName)).toList();
        if (!beyond.isEmpty()) {
            LOG.log(Level.WARNING, "tenant {0} timeline {1} generation {2}: {3} WAL objects lie past this WAL''s open"
                    + " segment {4} and are deleted, not adopted: {5}", tenantId, timelineId, generation, beyond.size(),
                    Wal.segmentFileName(openSegment), beyond.stream().map(WalObjectName::objectName).toList());
        }
        List<WalBackupState.Entry> entries = new ArrayList<>();
        for (WalBackupState.Entry entry : stored.entries()) {
            if (beyond.contains(entry.object())) {
                entries.add(new WalBackupState.Entry(entry.object(), Status.DELETING));
            } else if (ends.containsKey(entry.object())) {
                // An in-progress object that exists is one whose upload finished before a crash: it is complete.
                entries.add(new WalBackupState.Entry(entry.object(),
                        entry.status() == Status.DELETING ? Status.DELETING : Status.UPLOADED));
            }
        }
        WalBackupState reconciled = new WalBackupState(entries);
        for (WalObjectName object : ends.keySet()) {
            if (!reconciled.tracks(object)) {
                reconciled = reconciled.with(object, beyond.contains(object) ? Status.DELETING : Status.UPLOADED);
            }
        }
        // The partial recovery would take stays; the others are superseded by it.
        Optional<WalObjectName.Partial> best = reconciled.objects(Status.UPLOADED).stream()
                .flatMap(object -> object instanceof WalObjectName.Partial partial ? Stream.of(partial) : Stream.empty())
                .max(Comparator.comparing(WalObjectName.Partial::segmentStart).thenComparing(WalRestore.PREFERENCE));
        for (WalObjectName object : reconciled.objects(Status.UPLOADED)) {
            if (object instanceof WalObjectName.Partial && !best.orElseThrow().equals(object)) {
                reconciled = reconciled.with(object, Status.DELETING);
            }
        }
        if (!reconciled.equals(stored)) {
            reconciled.write(timelineDirectory);
        }
        Lsn backedUp = Lsn.INVALID;
        for (WalBackupState.Entry entry : reconciled.entries()) {
            if (entry.status() == Status.UPLOADED) {
                backedUp = Lsn.max(backedUp, ends.get(entry.object()));
            }
        }
        // Objects beyond what this WAL holds (a torn tail that recovery cut, a WAL started afresh) do not count:
        // the backup reports, and resumes from, what of this WAL is in the bucket.
        backedUp = Lsn.min(backedUp, wal.durableLsn());
        WalBackup backup = new WalBackup(tenantId, timelineId, generation, options.nodeId(), timelineDirectory, wal,
                remote, failpoints, removableBelow, currentGeneration, options.partialInterval(), reconciled, backedUp);
        backup.knownEnds.putAll(ends);
        return backup;
    }

    /**
     * Whether {@link #runOnce} has work: a closed segment to upload, a partial due ({@code nowNanos} at least the
     * interval after the last one, and the durable LSN moved), or objects to delete.
     */
    public boolean due(long nowNanos) {
        observeLag(nowNanos);
        if (closed || stale || nowNanos - retryNotBeforeNanos < 0) {
            return false;
        }
        List<WalSegmentSpan> spans = wal.segmentSpans();
        Lsn removable = removableBelow.get();
        for (WalSegmentSpan span : spans) {
            if (span.closed() && span.end().isAfter(removable) && span.end().isAfter(backedUpLsn)) {
                return true;
            }
        }
        if (wal.durableLsn().isAfter(lastPartialFlush) && nowNanos - lastPartialNanos >= intervalNanos) {
            return true;
        }
        WalBackupState current = state;
        return !current.objects(Status.DELETING).isEmpty() || !obsoleteFullSegments(current, removable).isEmpty();
    }

    /** Claims this backup for one run by the scheduler; false when a run is already scheduled. */
    boolean trySchedule() {
        return scheduled.compareAndSet(false, true);
    }

    void scheduleFinished() {
        scheduled.set(false);
    }

    /**
     * Uploads closed segments not yet backed up, the open segment's durable prefix when due (or when
     * {@code force} and the durable LSN moved), and deletes what is no longer needed. A failure is logged and
     * retried on a later run (after the partial interval).
     *
     * @return false when the run failed
     */
    public boolean runOnce(boolean force) {
        runLock.lock();
        // The run reads segment files by path: they must not be reused as later segments meanwhile.
        try (Wal.SegmentPin pinned = wal.pinSegments()) {
            if (stale || (closed && !force)) {
                return true;
            }
            boolean closedUp = uploadClosedSegments();
            if (!closedUp && !stale) {
                // A leftover under a segment's name is deleted first; then the segment can go up.
                deleteObsolete();
                closedUp = uploadClosedSegments();
            }
            long now = System.nanoTime();
            // A partial past a closed segment that is not up would count WAL the bucket cannot restore.
            if (closedUp && wal.durableLsn().isAfter(lastPartialFlush) && (force || now - lastPartialNanos >= intervalNanos)) {
                uploadPartial();
            }
            deleteObsolete();
            return true;
        } catch (WalObjectConflictException e) {
            retryNotBeforeNanos = System.nanoTime() + Math.max(intervalNanos, CONFLICT_RETRY_NANOS);
            if (e.newlyFound()) {
                LOG.log(Level.ERROR, e.getMessage());
            }
            return false;
        } catch (IOException | RuntimeException e) {
            retryNotBeforeNanos = System.nanoTime() + intervalNanos;
            LOG.log(Level.WARNING, "tenant {0} timeline {1} generation {2}: WAL backup failed, retrying later: {3}",
                    tenantId, timelineId, generation, e.toString());
            return false;
        } finally {
            runLock.unlock();
        }
    }

    /** Uploads the closed segments not yet up; false when one could not go up yet (or the backup went stale). */
    private boolean uploadClosedSegments() throws IOException {
        Lsn removable = removableBelow.get();
        for (WalSegmentSpan span : wal.segmentSpans()) {
            if (!span.closed() || !span.end().isAfter(removable)) {
                continue;
            }
            WalObjectName.Full full = new WalObjectName.Full(span.start());
            if (state.has(full, Status.UPLOADED) && verified.contains(full)) {
                continue;
            }
            if (state.has(full, Status.DELETING)) {
                // A leftover of another history under this name: its deletion comes first.
                return false;
            }
            if (stale) {
                return false;
            }
            if (!state.tracks(full)) {
                recordIntent(full);
            }
            try {
                putFullOnce(full, span);
            } catch (NoSuchFileException e) {
                // Trimmed meanwhile: the layers in the bucket hold it now.
                replaceState(state.with(full, Status.DELETING));
                continue;
            }
            if (!stillOurs(full)) {
                return false;
            }
            WalBackupState next = state.with(full, Status.UPLOADED);
            for (WalObjectName object : next.objects(Status.UPLOADED)) {
                if (object instanceof WalObjectName.Partial && !object.segmentStart().isAfter(full.segmentStart())) {
                    next = next.with(object, Status.DELETING);
                }
            }
            knownEnds.put(full, span.end());
            verified.add(full);
            replaceState(next);
            advanceBackedUp(span.end());
            if (conflicting.isEmpty()) {
                conflict = null;
            }
        }
        return true;
    }

    private void uploadPartial() throws IOException {
        WalSegmentSpan open = wal.segmentSpans().getLast();
        Lsn flush = open.end();
        if (open.closed() || !flush.isAfter(open.start())) {
            // Everything durable is in closed segments, which were uploaded whole.
            lastPartialFlush = Lsn.max(lastPartialFlush, flush);
            return;
        }
        WalObjectName.Partial partial = new WalObjectName.Partial(open.start(), generation, flush, flush, nodeId);
        byte[] bytes = readPrefix(open.path(), open.bytesToEnd());
        recordIntent(partial);
        put(partial, ContentSource.of(bytes), bytes.length);
        if (!stillOurs(partial)) {
            return;
        }
        WalBackupState next = state.with(partial, Status.UPLOADED);
        // Older partials, and attempts that failed after their intent (their object may exist), are superseded.
        for (WalBackupState.Entry entry : next.entries()) {
            if (entry.object() instanceof WalObjectName.Partial && !entry.object().equals(partial)
                    && entry.status() != Status.DELETING) {
                next = next.with(entry.object(), Status.DELETING);
            }
        }
        knownEnds.put(partial, flush);
        replaceState(next);
        lastPartialFlush = flush;
        lastPartialNanos = System.nanoTime();
        advanceBackedUp(flush);
    }

    /** Marks full segments the remote-consistent LSN passed as deleting, then deletes every deleting object. */
    private void deleteObsolete() throws IOException {
        List<WalObjectName> obsolete = obsoleteFullSegments(state, removableBelow.get());
        if (!obsolete.isEmpty()) {
            WalBackupState next = state;
            for (WalObjectName object : obsolete) {
                next = next.with(object, Status.DELETING);
            }
            replaceState(next);
        }
        List<WalObjectName> deleting = state.objects(Status.DELETING);
        if (deleting.isEmpty()) {
            return;
        }
        failpoints.hit(FAILPOINT_BEFORE_DELETE);
        String prefix = remote.layout().walPrefix(tenantId, timelineId);
        remote.deletions().delete(tenantId, timelineId, generation,
                deleting.stream().map(object -> prefix + object.objectName()).toList());
        deleting.forEach(knownEnds::remove);
        replaceState(state.without(deleting));
    }

    /**
     * Full segments whose successor starts at or below {@code removable}: the layers in the bucket hold all of
     * them. The successor is another tracked object (a later full segment or a partial).
     */
    private static List<WalObjectName> obsoleteFullSegments(WalBackupState state, Lsn removable) {
        List<WalObjectName> uploaded = state.objects(Status.UPLOADED);
        List<WalObjectName> obsolete = new ArrayList<>();
        for (WalObjectName object : uploaded) {
            if (object instanceof WalObjectName.Full full) {
                boolean passed = uploaded.stream().anyMatch(other -> other.segmentStart().isAfter(full.segmentStart())
                        && !other.segmentStart().isAfter(removable));
                if (passed) {
                    obsolete.add(full);
                }
            }
        }
        return obsolete;
    }

    private void recordIntent(WalObjectName object) throws IOException {
        replaceState(state.with(object, Status.IN_PROGRESS));
        failpoints.hit(FAILPOINT_AFTER_INTENT);
    }

    /**
     * Puts a closed segment "only if absent" (INVARIANTS 10). An object already there is compared with the local
     * segment: the same bytes make the put done (our own earlier attempt, or what a restore fetched); other bytes
     * are a {@link WalObjectConflictException} and the object is left as it is.
     */
    private void putFullOnce(WalObjectName.Full full, WalSegmentSpan span) throws IOException {
        String key = remote.layout().walPrefix(tenantId, timelineId) + full.objectName();
        long size = span.bytesToEnd();
        if (conflicting.containsKey(full) || knownEnds.containsKey(full) || !remote.conditionalPuts()) {
            // Known to exist (listed at open, or found in conflict before): compare rather than send the bytes.
            Optional<ObjectMetadata> existing = head(key);
            if (existing.isPresent()) {
                compareExisting(full, key, existing.get(), span);
                return;
            }
        }
        PutOptions options = remote.conditionalPuts() ? PutOptions.IF_ABSENT : PutOptions.DEFAULT;
        remote.nodeConcurrency().acquireUninterruptibly();
        try {
            remote.storage().put(key, ContentSource.of(span.path()), size, options, CallContext.NONE);
            conflicting.remove(full);
            return;
        } catch (RemoteStorageException.AlreadyExists e) {
            // Falls through to the comparison below.
        } finally {
            remote.nodeConcurrency().release();
        }
        Optional<ObjectMetadata> existing = head(key);
        if (existing.isEmpty()) {
            throw new IOException("WAL object " + key + " was refused as existing but is gone now; retrying later");
        }
        compareExisting(full, key, existing.get(), span);
    }

    private Optional<ObjectMetadata> head(String key) throws IOException {
        try {
            return Optional.of(remote.storage().head(key, CallContext.NONE));
        } catch (RemoteStorageException.NotFound e) {
            return Optional.empty();
        }
    }

    /** Returns when {@code existing} holds the local segment's bytes; throws the conflict otherwise. */
    private void compareExisting(WalObjectName.Full full, String key, ObjectMetadata existing, WalSegmentSpan span)
            throws IOException {
        long size = span.bytesToEnd();
        if (existing.etag().equals(conflicting.get(full))) {
            throw new WalObjectConflictException(key, conflict, false);
        }
        String difference;
        if (existing.size() != size) {
            difference = "it has " + existing.size() + " bytes, the local segment " + span.path() + " has " + size;
        } else {
            long offset = firstDifference(key, span.path(), size);
            if (offset < 0) {
                conflicting.remove(full);
                return;
            }
            difference = "its bytes differ from the local segment " + span.path() + " from offset " + offset
                    + " on (both " + size + " bytes)";
        }
        if (!stillOurs(full)) {
            throw new IOException("WAL object " + key + " exists with other bytes, and the tenant is no longer ours");
        }
        String message = "tenant " + tenantId + " timeline " + timelineId + " generation " + generation
                + ": full WAL segment " + key + " already exists and is not ours: " + difference
                + "; not overwriting it, the WAL backup stays at " + Lsn.min(backedUpLsn, full.segmentStart())
                + " until it is resolved";
        conflicting.put(full, existing.etag());
        // What the open adopted from the bucket past this point is not our WAL.
        backedUpLsn = Lsn.min(backedUpLsn, full.segmentStart());
        conflict = message;
        conflicts.incrementAndGet();
        throw new WalObjectConflictException(key, message, true);
    }

    /** The first offset where the object and the file differ, or -1 when their first {@code size} bytes agree. */
    private long firstDifference(String key, Path file, long size) throws IOException {
        remote.nodeConcurrency().acquireUninterruptibly();
        try (ObjectContent content = remote.storage().get(key, ByteRange.WHOLE, Optional.empty(), CallContext.NONE);
             InputStream local = Files.newInputStream(file)) {
            InputStream theirs = content.stream();
            byte[] ours = new byte[64 << 10];
            byte[] other = new byte[ours.length];
            long offset = 0;
            while (offset < size) {
                int length = (int) Math.min(ours.length, size - offset);
                int read = local.readNBytes(ours, 0, length);
                int readOther = theirs.readNBytes(other, 0, length);
                int mismatch = Arrays.mismatch(ours, 0, read, other, 0, readOther);
                if (mismatch >= 0) {
                    return offset + mismatch;
                }
                if (read < length) {
                    throw new IOException("segment " + file + " ended at " + (offset + read) + " bytes, expected " + size);
                }
                offset += length;
            }
            return -1;
        } finally {
            remote.nodeConcurrency().release();
        }
    }

    private void put(WalObjectName object, ContentSource content, long size) throws IOException {
        String key = remote.layout().walPrefix(tenantId, timelineId) + object.objectName();
        remote.nodeConcurrency().acquireUninterruptibly();
        try {
            remote.storage().put(key, content, size, PutOptions.DEFAULT, CallContext.NONE);
        } finally {
            remote.nodeConcurrency().release();
        }
    }

    /** After an upload: whether the tenant is still ours; if not, this backup stops and records nothing more. */
    private boolean stillOurs(WalObjectName object) {
        Generation now;
        try {
            now = currentGeneration.get();
        } catch (RuntimeException e) {
            now = null;
        }
        if (generation.equals(now)) {
            return true;
        }
        stale = true;
        LOG.log(Level.WARNING, "tenant {0} timeline {1}: generation changed from {2} to {3} while {4} was uploaded;"
                + " not recording it, WAL backup of this attachment stops", tenantId, timelineId, generation, now,
                object.objectName());
        return false;
    }

    private void replaceState(WalBackupState next) throws IOException {
        if (!next.equals(state)) {
            next.write(timelineDirectory);
            state = next;
        }
    }

    private void advanceBackedUp(Lsn lsn) {
        if (lsn.isAfter(backedUpLsn)) {
            backedUpLsn = lsn;
        }
    }

    private static byte[] readPrefix(Path path, long bytes) throws IOException {
        if (bytes > Integer.MAX_VALUE) {
            throw new IOException("segment " + path + " prefix of " + bytes + " bytes is too large to upload at once");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) bytes);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, buffer.position()) < 0) {
                    throw new IOException("segment " + path + " ended at " + buffer.position() + " bytes, expected "
                            + bytes + " durable bytes");
                }
            }
        }
        return buffer.array();
    }

    /**
     * Stops the backup. With {@code graceful}, first uploads what became durable since the last partial, so the
     * bucket holds the WAL up to the end. Waits for a run in progress.
     */
    public void close(boolean graceful) {
        if (graceful && !closed) {
            runOnce(true);
        }
        runLock.lock();
        try {
            closed = true;
        } finally {
            runLock.unlock();
        }
    }

    /** The highest LSN up to which the WAL is in the bucket (full segments and the newest partial). */
    public Lsn backedUpLsn() {
        return backedUpLsn;
    }

    /** How many bytes of durable WAL are not backed up yet. */
    public long lagBytes() {
        long lag = wal.durableLsn().value() - backedUpLsn.value();
        return Math.max(0, lag);
    }

    /**
     * How long durable WAL has been waiting for its backup: the seconds since a lag was first observed after the
     * backup had caught up, 0 when nothing is waiting. Observed at every scheduler tick and every call, so it is
     * exact to about a tick.
     */
    public double lagSeconds(long nowNanos) {
        long since = observeLag(nowNanos);
        return since == NOT_LAGGING ? 0.0 : Math.max(0, nowNanos - since) / 1e9;
    }

    private long observeLag(long nowNanos) {
        if (lagBytes() == 0) {
            laggingSinceNanos.set(NOT_LAGGING);
            return NOT_LAGGING;
        }
        laggingSinceNanos.compareAndSet(NOT_LAGGING, nowNanos);
        return laggingSinceNanos.get();
    }

    /** How many conflicting full segments this backup has found (each object version counted once). */
    public long conflicts() {
        return conflicts.get();
    }

    /** The last conflict found, while it stands; empty once the segment went up. */
    public Optional<String> conflict() {
        return Optional.ofNullable(conflict);
    }

    /** The state as last written. */
    public WalBackupState state() {
        return state;
    }

    public boolean isClosed() {
        return closed;
    }

    TenantId tenantId() {
        return tenantId;
    }

    TimelineId timelineId() {
        return timelineId;
    }

    @Override
    public String toString() {
        return "WalBackup[" + tenantId + "/" + timelineId + ", generation " + generation + "]";
    }
}
