package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Lsn;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The write-ahead log of one timeline: ingest batches are appended as checksummed frames and become durable by
 * group commit; after a crash, {@link #open} finds the complete frames and {@link #replay} hands them back.
 *
 * <h2>On disk</h2>
 * Segment files named by their start LSN, {@code <lsn:016X>.wal}, in one directory. A segment has a 20-byte header
 * (magic, format version, start LSN, header CRC32C) followed by frames; the LSN of a byte is the segment's start
 * LSN plus its offset after the header, so the log is one contiguous LSN space and the next segment starts where
 * the previous one ends. A frame is {@code u32 payload length, u32 CRC32C(frame start LSN, payload), payload}, the
 * payload {@code u32 record count} and per record {@code u32 length, 18-byte key, PageRecordCodec bytes}. Record
 * {@code i} gets LSN {@code frame start + 8 + end offset of record i in the payload}: the last record's LSN is the
 * frame end. See {@link WalFormat} for the exact bytes.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Atomic batches.</b> A batch is one frame under one CRC: after a crash it is there entirely or not at
 *       all.</li>
 *   <li><b>Order.</b> Frames are laid out, and LSNs assigned, in the order {@link #append} calls take the append
 *       lock; LSNs of the records of a WAL strictly increase.</li>
 *   <li><b>Acknowledged means durable.</b> {@link #waitDurable} returns only when a {@code force()} that started
 *       after the frame was written has succeeded (under {@link Durability#FSYNC}). A failed write or force poisons
 *       the WAL: every later append and wait throws {@link WalPoisonedException}, because after a failed fsync the
 *       kernel may have dropped the dirty pages and a later "successful" fsync would prove nothing.</li>
 *   <li><b>Crash-safe segments.</b> A new segment's header is written to a temp file, forced, renamed into place
 *       without replacing anything, and the directory forced; the previous segment is forced before that, so only
 *       the last segment can ever have a torn tail.</li>
 *   <li><b>Reused files.</b> {@link #trim} keeps up to {@link WalOptions#spareSegments()} trimmed segments as
 *       spare files, and a new segment is written into one when there is one (its new header forced before the
 *       rename): a force into blocks a file has is cheaper. The previous segment is cut to its last frame before
 *       that, so only the last segment holds stale bytes, and a stale frame never passes its CRC, which covers
 *       the frame's LSN. Recovery cuts stale bytes like a torn tail.</li>
 *   <li><b>Recovery.</b> {@link #open} checks every frame's CRC. A bad frame in the last segment is a torn tail
 *       (frames after the last force may reach disk partly or out of order) and is cut off; anywhere else it is
 *       corruption and {@link #open} throws {@link CorruptWalException} naming the file and offset.</li>
 * </ul>
 *
 * <h2>Concurrency</h2>
 * {@link #append} writes under the append lock with one positional write of a reused buffer. Syncing happens
 * outside it, so appends continue while a force runs: one waiter at a time becomes the syncer, snapshots the end
 * LSN, forces, and publishes the new durable LSN; the other waiters sleep on a condition and either find their LSN
 * covered or become the next syncer, so one force serves every frame written before it started. Lock order: the
 * append lock before the sync lock; the syncer never holds the sync lock while it takes the append lock.
 * {@link #syncSoon} makes a background thread the syncer right after an append, so the writer's own work
 * overlaps the force. {@link #replay} and {@link #segments} may run concurrently with appends; {@link #replay} must
 * not race {@link #trim} over the segments being trimmed, and other readers of segment files hold a
 * {@link #pinSegments()} pin while they read.
 */
public final class Wal implements AutoCloseable {
    /** Failpoint hit before every force of WAL data. */
    public static final String FAILPOINT_BEFORE_FSYNC = "wal-before-fsync";
    /** Failpoint hit after a frame was written, before {@link #append} returns. */
    public static final String FAILPOINT_AFTER_APPEND = "wal-after-append";

    private static final System.Logger LOG = System.getLogger(Wal.class.getName());
    /** Frame buffers up to this size are kept for the next append; a larger one is used once. */
    /**
     * Largest frame buffer kept between appends. A node holds thousands of timelines, most of them idle, so
     * the buffer is allocated on the first append and kept small.
     */
    private static final int RETAINED_BUFFER_BYTES = 256 << 10;

    /**
     * Runs the forces of {@link #syncSoon}: platform threads, because a force blocks its thread in the kernel, and
     * as many as forces run at once (at most one per WAL), idle ones ending after a minute.
     */
    private static final java.util.concurrent.ExecutorService EARLY_SYNCER = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("strata-wal-force-", 0).factory());

    private final Path directory;
    private final WalOptions options;
    private final FileIo io;
    private final Failpoints failpoints;

    private final ReentrantLock appendLock = new ReentrantLock();
    // Guarded by appendLock.
    private final List<Segment> segments;
    private final ArrayDeque<Path> spares;
    private int pins;
    private FileChannel openChannel;
    private long openSegmentBytes;
    private ByteBuffer frameBuffer;
    private final CRC32C crc = new CRC32C();
    private volatile boolean closed;
    // Written under appendLock, read without it.
    private volatile long endLsn;

    private final ReentrantLock syncLock = new ReentrantLock();
    private final Condition syncFinished = syncLock.newCondition();
    // Guarded by syncLock.
    private boolean syncInProgress;
    private final List<FileChannel> retiredChannels = new ArrayList<>();
    // Written under syncLock, read without it.
    private volatile long durableLsn;

    private final AtomicReference<Poison> poison = new AtomicReference<>();
    private final ScheduledExecutorService periodicSyncer;

    private record Poison(String operation, Throwable cause) {}

    private Wal(Path directory, WalOptions options, FileIo io, Failpoints failpoints, WalRecovery.Recovered recovered) {
        this.directory = directory;
        this.options = options;
        this.io = io;
        this.failpoints = failpoints;
        this.segments = new ArrayList<>(recovered.segments());
        this.spares = new ArrayDeque<>(recovered.spares());
        this.openChannel = recovered.channel();
        this.openSegmentBytes = recovered.openSegmentBytes();
        this.endLsn = recovered.endLsn();
        this.durableLsn = recovered.endLsn();
        this.periodicSyncer = switch (options.durability()) {
            case FSYNC -> null;
            case PERIODIC -> startPeriodicSyncer();
        };
    }

    /**
     * Opens the WAL in {@code directory}, creating the directory if missing. With no segments, the log starts at
     * {@code startLsn}: the first record's LSN will be greater. With segments, {@code startLsn} is ignored and the
     * log continues after the last valid frame.
     *
     * <p>Recovery removes leftover temp files, rejects any file that is not a segment, checks every frame's CRC32C,
     * cuts a torn or corrupt tail off the last segment (truncate, force, logged as a warning) and forces the last
     * segment, so that {@link #durableLsn()} starts at {@link #endLsn()}.
     *
     * @param io         opens segment channels (tests inject faults through it)
     * @param failpoints evaluated at {@value #FAILPOINT_BEFORE_FSYNC} and {@value #FAILPOINT_AFTER_APPEND}
     * @throws CorruptWalException when a header is wrong, a frame outside the last segment's tail is bad, or a
     *                             segment does not start where the previous one ends
     * @throws IOException         when the directory holds a file that is not a segment, or on an I/O error
     */
    public static Wal open(Path directory, Lsn startLsn, WalOptions options, FileIo io, Failpoints failpoints)
            throws IOException {
        requireNonNull(directory, "directory is null");
        requireNonNull(startLsn, "startLsn is null");
        requireNonNull(options, "options is null");
        requireNonNull(io, "io is null");
        requireNonNull(failpoints, "failpoints is null");
        WalRecovery.Recovered recovered = WalRecovery.recover(directory, startLsn, io, options.spareSegments());
        boolean success = false;
        try {
            Wal wal = new Wal(directory, options, io, failpoints, recovered);
            success = true;
            return wal;
        } finally {
            if (!success) {
                recovered.channel().close();
            }
        }
    }

    /**
     * Appends one ingest batch as one frame and assigns its LSNs. Thread-safe; frames are laid out in the order the
     * calls take the append lock. The frame is <em>not</em> durable on return: call {@link #waitDurable}.
     *
     * <p>If writing the frame fails (or the {@value #FAILPOINT_AFTER_APPEND} failpoint fires) the outcome is
     * unknown: the frame may be in the log and reappear on replay. The WAL is then poisoned.
     *
     * @throws IllegalArgumentException when the batch is empty, or its frame is larger than a segment can hold
     * @throws IllegalStateException    after {@link #close()}
     * @throws WalPoisonedException     after an earlier failed write or force
     */
    public WalAppend append(List<PageWrite> batch) throws IOException {
        requireNonNull(batch, "batch is null");
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("cannot append an empty batch to the WAL in " + directory
                    + ": a frame holds at least one record");
        }
        long frameBytes = WalFormat.FRAME_HEADER_BYTES + WalFormat.payloadBytes(batch);
        long limit = options.segmentBytes() - WalFormat.HEADER_BYTES;
        if (frameBytes > limit) {
            throw new IllegalArgumentException("batch of " + batch.size() + " records needs a WAL frame of "
                    + frameBytes + " bytes, more than the limit of " + limit + " bytes (segmentBytes "
                    + options.segmentBytes() + " minus the " + WalFormat.HEADER_BYTES + "-byte segment header)");
        }
        appendLock.lock();
        try {
            ensureOpen();
            throwIfPoisoned();
            long frameStart = endLsn;
            if (Long.compareUnsigned(frameStart + frameBytes, frameStart) < 0) {
                throw new IllegalStateException("LSN space exhausted at " + Lsn.of(frameStart));
            }
            try {
                if (openSegmentBytes + frameBytes > options.segmentBytes() && openSegmentBytes > WalFormat.HEADER_BYTES) {
                    withInterruptHeldBack(() -> rollSegment(frameStart));
                }
                ByteBuffer frame = frameBuffer((int) frameBytes);
                List<Lsn> lsns = WalFormat.encodeFrame(batch, frameStart, frame, crc);
                FileChannel channel = openChannel;
                long position = openSegmentBytes;
                withInterruptHeldBack(() -> Segment.writeFully(channel, frame, position));
                openSegmentBytes += frameBytes;
                endLsn = frameStart + frameBytes;
                failpoints.hit(FAILPOINT_AFTER_APPEND);
                return new WalAppend(lsns, Lsn.of(endLsn));
            } catch (IOException | RuntimeException | Error e) {
                poison("appending a frame at " + Lsn.of(frameStart), e);
                throw e;
            }
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Blocks until every frame up to {@code lsn} is durable. Under {@link Durability#FSYNC}, one waiter at a time
     * forces the open segment, covering every frame appended before the force started; concurrent waiters share
     * that force. Under {@link Durability#PERIODIC}, returns at once: the background thread forces every
     * {@link WalOptions#periodicInterval()}.
     *
     * @throws IllegalArgumentException when {@code lsn} is beyond {@link #endLsn()}
     * @throws WalPoisonedException     when the WAL is poisoned, including by the force this call made
     * @throws InterruptedIOException   when interrupted while waiting (the interrupt status is kept)
     */
    public void waitDurable(Lsn lsn) throws IOException {
        requireNonNull(lsn, "lsn is null");
        if (Long.compareUnsigned(lsn.value(), endLsn) > 0) {
            throw new IllegalArgumentException("cannot wait for LSN " + lsn + " of the WAL in " + directory
                    + ": it ends at " + Lsn.of(endLsn));
        }
        if (options.durability() == Durability.PERIODIC) {
            if (Long.compareUnsigned(durableLsn, lsn.value()) < 0) {
                throwIfPoisoned();
            }
            return;
        }
        while (true) {
            syncLock.lock();
            try {
                while (true) {
                    // What was forced before a failure stays durable; only what lies beyond it is refused.
                    if (Long.compareUnsigned(durableLsn, lsn.value()) >= 0) {
                        return;
                    }
                    throwIfPoisoned();
                    if (!syncInProgress) {
                        syncInProgress = true;
                        break;
                    }
                    try {
                        syncFinished.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for LSN " + lsn
                                + " of the WAL in " + directory + " to become durable");
                    }
                }
            } finally {
                syncLock.unlock();
            }
            syncAsOwner();
        }
    }

    /**
     * Starts a force that covers everything appended so far on a background thread, unless one is already running
     * or {@code lsn} is durable already, and returns at once. A writer calls it right after {@link #append} and
     * then does its other work (such as inserting the batch in memory) while the force runs; its
     * {@link #waitDurable} then finds the force in progress and waits for it instead of starting one. Only under
     * {@link Durability#FSYNC}; a failed force poisons the WAL as any other.
     */
    public void syncSoon(Lsn lsn) {
        requireNonNull(lsn, "lsn is null");
        if (options.durability() != Durability.FSYNC || closed) {
            return;
        }
        syncLock.lock();
        try {
            if (syncInProgress || Long.compareUnsigned(durableLsn, lsn.value()) >= 0 || poison.get() != null) {
                return;
            }
            syncInProgress = true;
        } finally {
            syncLock.unlock();
        }
        try {
            EARLY_SYNCER.execute(() -> {
                try {
                    syncAsOwner();
                } catch (IOException | RuntimeException e) {
                    // Already poisoned and logged; the waiters report it.
                }
            });
        } catch (RuntimeException e) {
            finishSync(null, durableLsn, "starting an early force");
        }
    }

    /** End of the last appended frame; the start LSN when nothing was appended. */
    public Lsn endLsn() {
        return Lsn.of(endLsn);
    }

    /** The highest LSN known to be forced to disk. */
    public Lsn durableLsn() {
        return Lsn.of(durableLsn);
    }

    /**
     * Calls {@code consumer} for every frame whose end LSN is above {@code after}, in log order, with the frame's
     * entries (each carrying its record's LSN) and the frame's end LSN. The engine passes a frame end; if
     * {@code after} falls inside a frame, that frame's records at or below {@code after} are left out. Reads the
     * frames present when the call starts; every frame is checked against its CRC again.
     *
     * @throws IllegalArgumentException when {@code after} lies before the first segment: the frames in between were
     *                                  trimmed and replaying would silently miss them
     * @throws CorruptWalException      when a frame no longer matches its CRC or does not decode
     */
    public void replay(Lsn after, FrameConsumer consumer) throws IOException {
        requireNonNull(after, "after is null");
        requireNonNull(consumer, "consumer is null");
        List<Segment> snapshot;
        long end;
        appendLock.lock();
        try {
            snapshot = List.copyOf(segments);
            end = endLsn;
        } finally {
            appendLock.unlock();
        }
        if (after.isBefore(snapshot.getFirst().start())) {
            throw new IllegalArgumentException("cannot replay the WAL in " + directory + " after " + after
                    + ": it begins at " + snapshot.getFirst().start() + ", earlier frames were trimmed");
        }
        for (int i = 0; i < snapshot.size(); i++) {
            Segment segment = snapshot.get(i);
            long segmentEnd = i + 1 < snapshot.size() ? snapshot.get(i + 1).start().value() : end;
            if (Long.compareUnsigned(segmentEnd, after.value()) <= 0) {
                continue;
            }
            replaySegment(segment, segmentEnd, after, consumer);
        }
    }

    private void replaySegment(Segment segment, long segmentEnd, Lsn after, FrameConsumer consumer)
            throws IOException {
        long limit = WalFormat.HEADER_BYTES + (segmentEnd - segment.start().value());
        try (FileChannel channel = io.open(segment.path(), StandardOpenOption.READ)) {
            SegmentReader reader = new SegmentReader(segment.path(), channel, segment.start(), limit);
            SegmentReader.Frame frame;
            while ((frame = reader.next()) != null) {
                if (!frame.end().isAfter(after)) {
                    continue;
                }
                List<PageEntry> entries = WalFormat.decodePayload(frame.payload(), frame.start().value(),
                        segment.path(), frame.offset());
                if (!frame.start().isBefore(after)) {
                    consumer.accept(entries, frame.end());
                } else {
                    consumer.accept(entries.stream().filter(entry -> entry.lsn().isAfter(after)).toList(), frame.end());
                }
            }
            if (reader.problem() != null) {
                // Recovery verified these bytes when the WAL opened, so a bad frame now is corruption.
                throw new CorruptWalException(segment.path(), reader.validEnd(), reader.problem());
            }
        }
    }

    /** Receives the frames of {@link #replay}. */
    @FunctionalInterface
    public interface FrameConsumer {
        void accept(List<PageEntry> entries, Lsn frameEnd) throws IOException;
    }

    /**
     * Removes the closed segments, oldest first, whose every frame ends at or below {@code upTo}, and forces the
     * directory. Never removes the open (last) segment. A removed segment is renamed to a spare file while the WAL
     * keeps fewer than {@link WalOptions#spareSegments()} of them, and deleted otherwise. Returns how many segments
     * were removed.
     */
    public int trim(Lsn upTo) throws IOException {
        requireNonNull(upTo, "upTo is null");
        List<Segment> deletable = new ArrayList<>();
        appendLock.lock();
        try {
            ensureOpen();
            // A closed segment ends where the next one starts; removing from the list first keeps replays that
            // start later away from files about to disappear.
            while (segments.size() > 1 && !segments.get(1).start().isAfter(upTo)) {
                deletable.add(segments.removeFirst());
            }
        } finally {
            appendLock.unlock();
        }
        if (deletable.isEmpty()) {
            return 0;
        }
        try {
            for (Segment segment : deletable) {
                // Oldest first, so a crash part-way leaves a contiguous suffix of the log.
                retire(segment);
            }
        } finally {
            DurableFiles.fsyncDirectory(directory);
        }
        LOG.log(Level.INFO, "WAL {0}: trimmed {1} segments up to {2}", directory, deletable.size(), upTo);
        return deletable.size();
    }

    /** Renames a trimmed segment to a spare file, or deletes it when the WAL has spares enough. */
    private void retire(Segment segment) throws IOException {
        boolean keep;
        appendLock.lock();
        try {
            keep = !closed && spares.size() < options.spareSegments();
        } finally {
            appendLock.unlock();
        }
        if (!keep) {
            Files.deleteIfExists(segment.path());
            return;
        }
        Path spare = directory.resolve(WalFormat.spareFileName(segment.start()));
        try {
            Files.move(segment.path(), spare, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        }
        appendLock.lock();
        try {
            spares.addLast(spare);
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Keeps the segment files as they are until the pin is closed: while any pin is open, trimmed segments are not
     * written again as later segments, so that a reader holding a segment's path (or an open file on it) never
     * sees its bytes change. A trimmed segment's path may still disappear. Readers of segment files outside the
     * WAL, such as the WAL backup, take a pin before {@link #segmentSpans()} and close it when done reading.
     */
    public SegmentPin pinSegments() {
        appendLock.lock();
        try {
            pins++;
        } finally {
            appendLock.unlock();
        }
        return new SegmentPin();
    }

    /** An open {@link #pinSegments()}; closing it more than once has no further effect. */
    public final class SegmentPin implements AutoCloseable {
        private boolean released;

        private SegmentPin() {}

        @Override
        public void close() {
            appendLock.lock();
            try {
                if (!released) {
                    released = true;
                    pins--;
                }
            } finally {
                appendLock.unlock();
            }
        }
    }

    /** How many spare files the WAL holds now. */
    public int spareSegments() {
        appendLock.lock();
        try {
            return spares.size();
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * The number of LSNs a batch occupies once appended: its frame header plus payload. A batch appended at
     * end LSN {@code e} ends at {@code e + frameBytes(batch)}; workloads use this to predict commit LSNs.
     */
    public static long frameBytes(List<PageWrite> batch) {
        return WalFormat.FRAME_HEADER_BYTES + WalFormat.payloadBytes(batch);
    }

    /**
     * The segments with where each ends: closed ones where the next begins (closed segments were forced before
     * the next one was created), the open (last) one at the durable LSN, or at its start when nothing in it is
     * durable yet. A snapshot; segments may be trimmed or closed right after it is taken.
     */
    public List<WalSegmentSpan> segmentSpans() {
        // Read before the snapshot: whatever was durable then lies in the snapshot's segments, so the open
        // segment's end never points past its file (a roll after this read only adds a segment).
        Lsn durable = durableLsn();
        List<Segment> snapshot;
        appendLock.lock();
        try {
            snapshot = List.copyOf(segments);
        } finally {
            appendLock.unlock();
        }
        List<WalSegmentSpan> spans = new ArrayList<>(snapshot.size());
        for (int i = 0; i < snapshot.size(); i++) {
            Segment segment = snapshot.get(i);
            boolean closed = i + 1 < snapshot.size();
            Lsn end = closed ? snapshot.get(i + 1).start() : Lsn.max(segment.start(), durable);
            spans.add(new WalSegmentSpan(segment.path(), segment.start(), end, closed));
        }
        return spans;
    }

    /**
     * Creates an empty segment (its header only) that starts at {@code start} in {@code directory}, crash-safely,
     * so that a WAL opened there continues in it: the segment before it stays closed. Used to lay out a WAL
     * restored from closed segments.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the segment exists already
     */
    public static void createEmptySegment(Path directory, Lsn start) throws IOException {
        Segment.create(requireNonNull(directory, "directory is null"), requireNonNull(start, "start is null"),
                FileIo.DEFAULT);
    }

    /** The file name of the segment that starts at {@code start}: {@code <start:016X>.wal}. */
    public static String segmentFileName(Lsn start) {
        return WalFormat.segmentFileName(requireNonNull(start, "start is null"));
    }

    /** The start LSN named by a segment file name, or null when {@code name} is not a segment file name. */
    public static Lsn parseSegmentFileName(String name) {
        return WalFormat.parseSegmentFileName(requireNonNull(name, "name is null"));
    }

    /** How many bytes of the segment that starts at {@code start} hold the log up to {@code lsn}. */
    public static long segmentBytesUpTo(Lsn start, Lsn lsn) {
        if (lsn.isBefore(start)) {
            throw new IllegalArgumentException("LSN " + lsn + " lies before the segment start " + start);
        }
        return WalFormat.HEADER_BYTES + (lsn.value() - start.value());
    }

    /** The log position of the first byte after a segment file of {@code fileBytes} bytes that starts at {@code start}. */
    public static Lsn segmentEnd(Lsn start, long fileBytes) {
        if (fileBytes < WalFormat.HEADER_BYTES) {
            throw new IllegalArgumentException("a segment file of " + fileBytes + " bytes is shorter than its "
                    + WalFormat.HEADER_BYTES + "-byte header");
        }
        return start.plus(fileBytes - WalFormat.HEADER_BYTES);
    }

    /** The segment files, oldest first. */
    public List<Path> segments() {
        appendLock.lock();
        try {
            return segments.stream().map(Segment::path).toList();
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Forces what was appended and closes the segment. Idempotent. Appends after close throw
     * {@link IllegalStateException}; waits return if their LSN was forced. A poisoned WAL is closed without a force.
     *
     * @throws IOException when the final force fails (the WAL is then poisoned too)
     */
    @Override
    public void close() throws IOException {
        appendLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            appendLock.unlock();
        }
        if (periodicSyncer != null) {
            periodicSyncer.shutdown();
            awaitTerminationUninterruptibly(periodicSyncer);
        }
        // Become the syncer so no force runs on the channel while it closes.
        syncLock.lock();
        try {
            while (syncInProgress) {
                syncFinished.awaitUninterruptibly();
            }
            syncInProgress = true;
        } finally {
            syncLock.unlock();
        }
        Throwable failure = null;
        // A poisoned WAL is not forced: a force after a failed one proves nothing, so durable stays where it was.
        long forced = durableLsn;
        try {
            if (poison.get() == null && durableLsn != endLsn) {
                failpoints.hit(FAILPOINT_BEFORE_FSYNC);
                withInterruptHeldBack(() -> openChannel.force(false));
                forced = endLsn;
            }
            if (poison.get() == null && openChannel.size() > openSegmentBytes) {
                // A reused file: drop its stale bytes so that the next open finds a clean end.
                withInterruptHeldBack(() -> {
                    openChannel.truncate(openSegmentBytes);
                    openChannel.force(true);
                });
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        }
        try {
            openChannel.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        finishSync(failure, forced, "the final force at close");
        try {
            deleteSpares();
        } catch (IOException e) {
            // Only disk space: the next open keeps or removes them.
            LOG.log(Level.WARNING, "WAL " + directory + ": removing spare segment files at close failed", e);
        }
        rethrow(failure);
    }

    /** Called by close: spares serve a busy WAL; a closed one gives their disk space back. */
    private void deleteSpares() throws IOException {
        List<Path> files;
        appendLock.lock();
        try {
            files = List.copyOf(spares);
            spares.clear();
        } finally {
            appendLock.unlock();
        }
        if (files.isEmpty()) {
            return;
        }
        for (Path file : files) {
            Files.deleteIfExists(file);
        }
        DurableFiles.fsyncDirectory(directory);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the WAL in " + directory + " is closed");
        }
    }

    private void throwIfPoisoned() throws WalPoisonedException {
        Poison current = poison.get();
        if (current != null) {
            throw new WalPoisonedException("the WAL in " + directory + " is poisoned: " + current.operation()
                    + " failed, so nothing past durable LSN " + Lsn.of(durableLsn)
                    + " can be acknowledged; close and reopen it to recover what is on disk", current.cause());
        }
    }

    private void poison(String operation, Throwable cause) {
        if (poison.compareAndSet(null, new Poison(operation, cause))) {
            LOG.log(Level.ERROR, "WAL " + directory + " poisoned: " + operation + " failed", cause);
        }
        // Waiters sleeping on a syncer must wake to see it.
        syncLock.lock();
        try {
            syncFinished.signalAll();
        } finally {
            syncLock.unlock();
        }
    }

    /** Called with syncInProgress set by this thread: forces the open segment and publishes the result. */
    private void syncAsOwner() throws IOException {
        FileChannel channel;
        long target;
        appendLock.lock();
        try {
            channel = openChannel;
            target = endLsn;
        } finally {
            appendLock.unlock();
        }
        Throwable failure = null;
        try {
            if (Long.compareUnsigned(target, durableLsn) > 0) {
                failpoints.hit(FAILPOINT_BEFORE_FSYNC);
                // fdatasync: the data and the file size; the segment's name was made durable when it was created.
                withInterruptHeldBack(() -> channel.force(false));
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        }
        finishSync(failure, target, "forcing the WAL up to " + Lsn.of(target));
        rethrow(failure);
    }

    /** Ends this thread's turn as syncer: publishes {@code target} or poisons, and wakes the waiters. */
    private void finishSync(Throwable failure, long target, String operation) {
        if (failure != null) {
            poison(operation, failure);
        }
        syncLock.lock();
        try {
            syncInProgress = false;
            if (failure == null) {
                advanceDurable(target);
            }
            for (FileChannel retired : retiredChannels) {
                closeQuietly(retired);
            }
            retiredChannels.clear();
            syncFinished.signalAll();
        } finally {
            syncLock.unlock();
        }
    }

    /** Called under syncLock. */
    private void advanceDurable(long lsn) {
        if (Long.compareUnsigned(lsn, durableLsn) > 0) {
            durableLsn = lsn;
        }
    }

    /**
     * Called under appendLock when the next frame does not fit: cuts the open segment to its last frame if it is
     * a reused file and forces it (so only the last segment can ever have a torn tail or stale bytes), then
     * creates the next segment at {@code start}, in a spare file when there is one and no reader has pinned the
     * segments.
     */
    private void rollSegment(long start) throws IOException {
        failpoints.hit(FAILPOINT_BEFORE_FSYNC);
        withInterruptHeldBack(() -> {
            if (openChannel.size() > openSegmentBytes) {
                openChannel.truncate(openSegmentBytes);
                // The size changed: a full force, so the cut survives a crash along with the frames.
                openChannel.force(true);
            } else {
                openChannel.force(false);
            }
        });
        syncLock.lock();
        try {
            advanceDurable(start);
            syncFinished.signalAll();
        } finally {
            syncLock.unlock();
        }
        Path spare = pins == 0 ? spares.pollFirst() : null;
        Segment next = spare == null ? Segment.create(directory, Lsn.of(start), io)
                : Segment.recycle(spare, directory, Lsn.of(start), io);
        FileChannel nextChannel = io.open(next.path(), StandardOpenOption.WRITE);
        FileChannel previous = openChannel;
        segments.add(next);
        openChannel = nextChannel;
        openSegmentBytes = WalFormat.HEADER_BYTES;
        syncLock.lock();
        try {
            // A syncer may have snapshotted the previous channel and be forcing it now; it closes it when done.
            if (syncInProgress) {
                retiredChannels.add(previous);
            } else {
                closeQuietly(previous);
            }
        } finally {
            syncLock.unlock();
        }
    }

    /** A buffer of exactly {@code bytes} remaining, reused between appends unless it is unusually large. */
    private ByteBuffer frameBuffer(int bytes) {
        if (frameBuffer == null) {
            frameBuffer = ByteBuffer.allocateDirect(Math.min(RETAINED_BUFFER_BYTES, Math.max(bytes, 16 << 10)));
        }
        if (bytes <= frameBuffer.capacity()) {
            return frameBuffer.clear().limit(bytes);
        }
        if (bytes <= RETAINED_BUFFER_BYTES) {
            frameBuffer = ByteBuffer.allocateDirect(Math.min(RETAINED_BUFFER_BYTES,
                    Math.max(bytes, frameBuffer.capacity() * 2)));
            return frameBuffer.clear().limit(bytes);
        }
        return ByteBuffer.allocate(bytes);
    }

    private ScheduledExecutorService startPeriodicSyncer() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("strata-wal-sync").factory());
        long nanos = options.periodicInterval().toNanos();
        executor.scheduleWithFixedDelay(this::syncPeriodically, nanos, nanos, TimeUnit.NANOSECONDS);
        return executor;
    }

    private void syncPeriodically() {
        if (poison.get() != null || durableLsn == endLsn) {
            return;
        }
        syncLock.lock();
        try {
            if (syncInProgress || closed) {
                return;
            }
            syncInProgress = true;
        } finally {
            syncLock.unlock();
        }
        try {
            syncAsOwner();
        } catch (IOException | RuntimeException e) {
            // Already poisoned and logged; appends and waits report it.
        }
    }

    private static void awaitTerminationUninterruptibly(ScheduledExecutorService executor) {
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // The channel was forced before it was retired; a close error loses nothing.
            LOG.log(Level.WARNING, "WAL " + directory + ": closing a finished segment failed", e);
        }
    }

    /** An I/O call on a segment channel. */
    @FunctionalInterface
    private interface ChannelCall {
        void run() throws IOException;
    }

    /**
     * Runs {@code call} with the thread's interrupt status cleared, and restores it afterwards. A FileChannel is
     * closed for every thread when an interrupted thread does I/O on it (ClosedByInterruptException), which would
     * poison the whole WAL because one caller was cancelled. An interrupt that arrives during the call itself can
     * still close the channel; the WAL is then poisoned, never silently wrong.
     */
    private static void withInterruptHeldBack(ChannelCall call) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            call.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void rethrow(Throwable failure) throws IOException {
        switch (failure) {
            case null -> { }
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IOException(failure);
        }
    }

    @Override
    public String toString() {
        return "Wal[" + directory + ", end " + Lsn.of(endLsn) + ", durable " + Lsn.of(durableLsn) + "]";
    }
}
