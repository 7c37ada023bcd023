package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.Generation;
import dev.strata.api.ImageLayerName;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.PageRecordCodec;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.zip.Deflater;

/**
 * Writes one immutable layer file (format in {@link LayerFormat}) and publishes it durably.
 *
 * <p>Entries are written to {@code <unique>.___temp} in the target directory, opened through the given
 * {@link FileIo}. {@link #finish} fsyncs the temp file, renames it to the layer's local file name without ever
 * replacing an existing file, and fsyncs the directory. If that name already exists, the existing file is
 * kept: identical bytes make the result {@link WrittenLayer#reused() reused} (a retried compaction), different
 * bytes raise {@link LayerConflictException}.
 *
 * <p>Any failure aborts the writer and removes its temp file: an I/O error, a failpoint, an entry that
 * {@link #add} rejects, invalid bounds given to {@link #finish}, and {@link #close()} before {@code finish}.
 * An aborted writer rejects further calls with {@link IllegalStateException}. Not thread-safe.
 *
 * <p>Failpoints: {@code layer-write-block} before each data block is written, {@code layer-before-rename}
 * after the file is fsynced and before it is renamed.
 */
public final class LayerWriter implements AutoCloseable {
    /** Failpoint hit before each data block is written. */
    public static final String FAILPOINT_WRITE_BLOCK = "layer-write-block";
    /** Failpoint hit after the temp file is fsynced, before it is renamed to its final name. */
    public static final String FAILPOINT_BEFORE_RENAME = "layer-before-rename";

    private enum State { OPEN, FINISHED, ABORTED }

    private final Path directory;
    private final Path temp;
    private final boolean delta;
    private final Lsn lsnStart;
    private final Lsn lsnEnd;
    private final Generation generation;
    private final LayerWriteOptions options;
    private final Failpoints failpoints;
    /**
     * Every this many bytes written, a {@code force(false)} of what is written so far starts on another thread
     * while the writer goes on, as RocksDB's {@code bytes_per_sync} does: the file reaches the disk in steady
     * steps instead of in one burst at {@link #finish}, so the final force is short and the WAL's forces, which
     * share the disk, do not queue behind hundreds of MiB of layer data. Write-back never replaces the final
     * {@code force(true)}: a layer is durable only once finish returns.
     */
    static final long SYNC_STEP_BYTES = 8L << 20;
    private static final ExecutorService WRITE_BACK =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("layer-write-back-", 0).factory());
    private final FileChannel channel;
    private final Deflater deflater;
    private final BlockBuilder block = new BlockBuilder();
    private final BlockIndex.Builder index = new BlockIndex.Builder();
    private State state = State.OPEN;
    private long written;
    private long entryCount;
    private int blockCount;
    private Key firstKey;
    private Key lastKey;
    private long lastLsn;
    /** The final file, once this writer created it; removed again if a later step of finish fails. */
    private Path published;
    /** Bytes covered by the last write-back this writer started (see {@link #SYNC_STEP_BYTES}). */
    private long syncStarted;
    /** The write-back in flight, if any. */
    private Future<?> pendingSync;

    private LayerWriter(Path directory, boolean delta, Lsn lsnStart, Lsn lsnEnd, Generation generation,
                        LayerWriteOptions options, FileIo io, Failpoints failpoints) throws IOException {
        this.directory = requireNonNull(directory, "directory is null");
        this.delta = delta;
        this.lsnStart = requireNonNull(lsnStart, "lsnStart is null");
        this.lsnEnd = requireNonNull(lsnEnd, "lsnEnd is null");
        this.generation = requireNonNull(generation, "generation is null");
        this.options = requireNonNull(options, "options is null");
        requireNonNull(io, "io is null");
        this.failpoints = requireNonNull(failpoints, "failpoints is null");
        // The name only has to be unique; it never reaches the file's bytes, so a retried write is identical.
        this.temp = directory.resolve("layer-" + UUID.randomUUID() + DurableFiles.TEMP_SUFFIX);
        FileChannel opened = null;
        try {
            opened = io.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } finally {
            if (opened == null) {
                // A fault injector may have created the file before failing.
                Files.deleteIfExists(temp);
            }
        }
        this.channel = opened;
        this.deflater = options.compress() ? new Deflater(Deflater.BEST_SPEED) : null;
    }

    /** Starts a delta layer for LSNs in {@code [lsnStart, lsnEnd)}. */
    public static LayerWriter delta(Path directory, Lsn lsnStart, Lsn lsnEnd, Generation generation,
                                    LayerWriteOptions options, FileIo io, Failpoints failpoints) throws IOException {
        requireNonNull(lsnStart, "lsnStart is null");
        requireNonNull(lsnEnd, "lsnEnd is null");
        if (lsnStart.compareTo(lsnEnd) >= 0) {
            throw new IllegalArgumentException("delta LSN start " + lsnStart + " is not below LSN end " + lsnEnd);
        }
        return new LayerWriter(directory, true, lsnStart, lsnEnd, generation, options, io, failpoints);
    }

    /** Starts an image layer: the page of each key as of {@code lsn}. */
    public static LayerWriter image(Path directory, Lsn lsn, Generation generation, LayerWriteOptions options,
                                    FileIo io, Failpoints failpoints) throws IOException {
        requireNonNull(lsn, "lsn is null");
        if (lsn.equals(Lsn.MAX)) {
            throw new IllegalArgumentException("image LSN must be below the maximum LSN");
        }
        return new LayerWriter(directory, false, lsn, lsn.plus(1), generation, options, io, failpoints);
    }

    /**
     * Appends an entry. Entries come strictly ascending in (key, LSN). For a delta,
     * {@code lsnStart <= lsn < lsnEnd}; for an image, the LSN is the image LSN, the record is a
     * {@link PageRecord.Image} and so each key appears once.
     *
     * @throws IllegalArgumentException naming the entry when it breaks these rules; the writer is aborted
     * @throws IOException              when writing a block fails; the writer is aborted
     */
    public void add(PageEntry entry) throws IOException {
        requireOpen();
        try {
            checkEntry(requireNonNull(entry, "entry is null"));
            beforeEntry(PageRecordCodec.encodedSize(entry.record()));
            block.add(entry);
            afterEntry(entry.key(), entry.lsn().value());
        } catch (Throwable failure) {
            abort(failure);
            throw failure;
        }
    }

    /**
     * As {@link #add(PageEntry)}, for a record of a delta layer that is already encoded with
     * {@link PageRecordCodec} in {@code record} at {@code offset}: its bytes are copied as they are, so a flush
     * writes an in-memory layer's records without decoding them. The bytes are not checked here; a reader checks
     * them when it decodes the record.
     *
     * @throws IllegalStateException    for an image layer (whose entries must be checked to be images)
     * @throws IllegalArgumentException when the entry is out of order or outside the delta's LSN range
     */
    public void addEncoded(Key key, Lsn lsn, byte[] record, int offset, int length) throws IOException {
        requireOpen();
        try {
            if (!delta) {
                throw new IllegalStateException("encoded records are added to delta layers only");
            }
            requireNonNull(key, "key is null");
            requireNonNull(lsn, "lsn is null");
            Objects.checkFromIndexSize(offset, length, record.length);
            checkPosition(key, lsn, () -> key + "@" + lsn);
            beforeEntry(length);
            block.addEncoded(key, lsn.value(), record, offset, length);
            afterEntry(key, lsn.value());
        } catch (Throwable failure) {
            abort(failure);
            throw failure;
        }
    }

    /** Closes the block being filled when an entry whose record encodes to {@code recordBytes} would not fit it. */
    private void beforeEntry(int recordBytes) throws IOException {
        if (!block.isEmpty() && block.bodyBytesWith(recordBytes) > options.targetBlockBytes()) {
            flushBlock();
        }
    }

    private void afterEntry(Key key, long lsn) throws IOException {
        if (firstKey == null) {
            firstKey = key;
        }
        lastKey = key;
        lastLsn = lsn;
        entryCount++;
        // An entry larger than the target closes its block at once, so it has a block of its own.
        if (block.bodyBytes() >= options.targetBlockBytes()) {
            flushBlock();
        }
    }

    private void checkEntry(PageEntry entry) {
        checkPosition(entry.key(), entry.lsn(), () -> describe(entry));
        if (!delta && !(entry.record() instanceof PageRecord.Image)) {
            throw new IllegalArgumentException("entry " + describe(entry) + " is not a page image; an image layer "
                    + "holds only images");
        }
    }

    /** Checks the (key, LSN) order and the layer's LSN range; {@code description} names the entry in errors. */
    private void checkPosition(Key key, Lsn lsn, Supplier<String> description) {
        if (lastKey != null && BlockIndex.compare(key, lsn.value(), lastKey, lastLsn) <= 0) {
            throw new IllegalArgumentException("entry " + description.get() + " is not after the previous entry "
                    + lastKey + "@" + Lsn.of(lastLsn) + "; entries must be strictly ascending in (key, LSN)");
        }
        if (delta) {
            if (lsn.compareTo(lsnStart) < 0 || lsn.compareTo(lsnEnd) >= 0) {
                throw new IllegalArgumentException("entry " + description.get() + " is outside the delta's LSN range ["
                        + lsnStart + ", " + lsnEnd + ")");
            }
        } else if (!lsn.equals(lsnStart)) {
            throw new IllegalArgumentException("entry " + description.get() + " is not at the image LSN " + lsnStart);
        }
    }

    private static String describe(PageEntry entry) {
        return entry.key() + "@" + entry.lsn() + " (" + entry.record() + ")";
    }

    /**
     * Bytes written to the file so far plus the decoded size of the block being filled: an estimate of the
     * final size for cutting compaction output. It grows with every entry, except that with compression on it
     * can drop when a block is flushed and shrinks on the way to disk.
     */
    public long bytesWritten() {
        return written + (block.isEmpty() ? 0 : block.bodyBytes());
    }

    public long entryCount() {
        return entryCount;
    }

    /** The key of the first entry, or null before any. */
    public Key firstKey() {
        return firstKey;
    }

    /** The key of the last entry, or null before any. */
    public Key lastKey() {
        return lastKey;
    }

    /**
     * Completes the file and publishes it as the layer {@code [keyStart, keyEnd)} of this writer's kind and
     * LSN range, under {@code LayerFileName(name, generation).localFileName()} in the directory: writes the
     * index, summary and trailer, fsyncs, renames without replacing, fsyncs the directory. A writer with no
     * entries writes a valid empty layer.
     *
     * @param keyStart at most the first key added
     * @param keyEnd   above the last key added (and above {@code keyStart})
     * @return the published layer; {@code reused} when an identical file already had the name
     * @throws LayerConflictException when a different file already has the name; it is left unchanged
     * @throws IllegalArgumentException when the bounds do not enclose the keys; the writer is aborted
     */
    public WrittenLayer finish(Key keyStart, Key keyEnd) throws IOException {
        requireOpen();
        try {
            requireNonNull(keyStart, "keyStart is null");
            requireNonNull(keyEnd, "keyEnd is null");
            if (firstKey != null && (keyStart.compareTo(firstKey) > 0 || keyEnd.compareTo(lastKey) <= 0)) {
                throw new IllegalArgumentException("key range [" + keyStart + ", " + keyEnd + ") does not contain the keys "
                        + firstKey + " to " + lastKey + " written to " + temp);
            }
            LayerName name = delta ? new DeltaLayerName(keyStart, keyEnd, lsnStart, lsnEnd)
                    : new ImageLayerName(keyStart, keyEnd, lsnStart);
            if (!block.isEmpty()) {
                flushBlock();
            }
            long indexOffset = written;
            byte[] indexBytes = index.toBytes();
            writeFully(indexBytes);
            long summaryOffset = written;
            writeFully(LayerFormat.encodeSummary(new LayerSummary(LayerFormat.FORMAT_VERSION, delta, keyStart, keyEnd,
                    lsnStart, lsnEnd, entryCount, blockCount, options.compress())));
            writeFully(LayerFormat.encodeTrailer(new LayerFormat.Trailer(indexOffset, indexBytes.length, summaryOffset,
                    LayerFormat.SUMMARY_BYTES)));
            awaitWriteBack();
            channel.force(true);
            channel.close();
            failpoints.hit(FAILPOINT_BEFORE_RENAME);
            WrittenLayer result = publish(new LayerFileName(name, generation));
            state = State.FINISHED;
            endDeflater();
            return result;
        } catch (Throwable failure) {
            abort(failure);
            throw failure;
        }
    }

    private WrittenLayer publish(LayerFileName fileName) throws IOException {
        Path target = directory.resolve(fileName.localFileName());
        try {
            DurableFiles.renameNoReplace(temp, target);
        } catch (FileAlreadyExistsException exists) {
            long mismatch = Files.mismatch(temp, target);
            if (mismatch != -1L) {
                throw new LayerConflictException(target, "existing file has " + Files.size(target) + " bytes, the new one "
                        + written + ", first difference at offset " + mismatch);
            }
            Files.delete(temp);
            DurableFiles.fsyncDirectory(directory);
            return new WrittenLayer(fileName, target, written, true);
        }
        published = target;
        DurableFiles.fsyncDirectory(directory);
        return new WrittenLayer(fileName, target, written, false);
    }

    private void flushBlock() throws IOException {
        failpoints.hit(FAILPOINT_WRITE_BLOCK);
        byte[] stored = block.encode(deflater);
        long offset = written;
        writeFully(stored);
        startWriteBack();
        index.add(block.firstKey(), block.firstLsn(), block.lastKey(), block.lastLsn(), offset, stored.length,
                block.entryCount());
        blockCount++;
        block.reset();
    }

    /** Starts a write-back of everything written when another step is written and none is in flight. */
    private void startWriteBack() throws IOException {
        if (written - syncStarted < SYNC_STEP_BYTES) {
            return;
        }
        if (pendingSync != null) {
            if (!pendingSync.isDone()) {
                return;
            }
            awaitWriteBack();
        }
        syncStarted = written;
        pendingSync = WRITE_BACK.submit(() -> {
            channel.force(false);
            return null;
        });
    }

    /** Waits for the write-back in flight; its failure is this writer's (the layer is then not written). */
    private void awaitWriteBack() throws IOException {
        Future<?> sync = pendingSync;
        if (sync == null) {
            return;
        }
        pendingSync = null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    sync.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException("write-back of layer file " + temp + " failed: " + io.getMessage(), io);
            }
            throw new IOException("write-back of layer file " + temp + " failed", cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeFully(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            written += channel.write(buffer);
        }
    }

    /**
     * Removes the temp file if {@link #finish} did not complete; does nothing otherwise. Idempotent.
     *
     * @throws IOException when the temp file cannot be closed or deleted
     */
    @Override
    public void close() throws IOException {
        if (state != State.OPEN) {
            return;
        }
        IOException failure = new IOException("closing layer writer " + temp + " before finish");
        abort(failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    /** Releases everything and deletes what this writer created; cleanup errors are added to {@code failure}. */
    private void abort(Throwable failure) {
        state = State.ABORTED;
        endDeflater();
        try {
            awaitWriteBack(); // before the file goes away under it
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        try {
            channel.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        if (published != null) {
            // Renamed but the directory fsync failed: no caller learned the name, so nothing refers to it.
            try {
                Files.deleteIfExists(published);
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    private void endDeflater() {
        if (deflater != null) {
            deflater.end();
        }
    }

    private void requireOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("layer writer for " + temp + " is " + state.name().toLowerCase(Locale.ROOT));
        }
    }

    /** The temp file this writer writes; removed when the writer finishes or aborts. */
    Path tempPath() {
        return temp;
    }

    @Override
    public String toString() {
        return "LayerWriter[" + temp + ", " + (delta ? "delta " + lsnStart + ".." + lsnEnd : "image at " + lsnStart)
                + ", " + entryCount + " entries, " + state + "]";
    }
}
