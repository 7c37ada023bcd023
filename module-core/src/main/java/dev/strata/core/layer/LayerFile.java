package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import dev.strata.api.DeltaLayerName;
import dev.strata.api.ImageLayerName;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open, immutable layer file (format in {@link LayerFormat}).
 *
 * <p>{@link #open} reads and checks the trailer, summary and block index and keeps the index in memory; data
 * blocks are read on demand with positional reads and their checksums checked when read. Point lookups go
 * through the node-wide {@link BlockCache}; scans and {@link #verify()} read past it, so that one pass over a
 * whole layer (compaction, scrubbing) does not evict the blocks that lookups reuse.
 *
 * <p>Thread-safe: any number of threads may call {@link #collect} and {@link #scan} concurrently. Calls after
 * {@link #close()} fail with an {@link IOException}.
 */
public final class LayerFile implements AutoCloseable {
    private final Path path;
    private final LayerFileName fileName;
    private final LayerSummary summary;
    private final long fileSize;
    private final BlockIndex index;
    private final BlockCache cache;
    private final long identity;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object reopenLock = new Object();
    private volatile FileChannel channel;

    private LayerFile(Path path, LayerFileName fileName, LayerSummary summary, long fileSize, BlockIndex index,
                      BlockCache cache, FileChannel channel) {
        this.path = requireNonNull(path, "path is null");
        this.fileName = requireNonNull(fileName, "fileName is null");
        this.summary = requireNonNull(summary, "summary is null");
        this.fileSize = fileSize;
        this.index = requireNonNull(index, "index is null");
        this.cache = requireNonNull(cache, "cache is null");
        this.channel = requireNonNull(channel, "channel is null");
        this.identity = cache.newFileIdentity();
    }

    /**
     * Opens a layer file: parses its name, reads the trailer, summary and index, checks their checksums and
     * that the summary's kind and ranges equal those of the name.
     *
     * @throws dev.strata.api.InvalidInputException when the file name is not a layer file name
     * @throws CorruptLayerException                naming the file and offset when the contents are not a valid
     *                                              layer or do not match the name
     */
    public static LayerFile open(Path path, BlockCache cache) throws IOException {
        requireNonNull(path, "path is null");
        requireNonNull(cache, "cache is null");
        LayerFileName fileName = LayerFileName.parse(path.getFileName().toString());
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        boolean success = false;
        try {
            long fileSize = channel.size();
            if (fileSize < LayerFormat.TRAILER_BYTES + LayerFormat.SUMMARY_BYTES + LayerFormat.CHECKSUM_BYTES) {
                throw new CorruptLayerException(path, 0, "file of " + fileSize + " bytes is too short for a layer: truncated");
            }
            long trailerOffset = fileSize - LayerFormat.TRAILER_BYTES;
            byte[] trailerBytes = readFully(path, channel, trailerOffset, LayerFormat.TRAILER_BYTES);
            LayerFormat.Trailer trailer = LayerFormat.decodeTrailer(path, fileSize, trailerBytes);
            // Index and summary are adjacent: one read for both.
            byte[] metadata = readFully(path, channel, trailer.indexOffset(), trailer.indexLength() + trailer.summaryLength());
            byte[] summaryBytes = Arrays.copyOfRange(metadata, trailer.indexLength(), metadata.length);
            LayerSummary summary = LayerFormat.decodeSummary(path, trailer.summaryOffset(), summaryBytes);
            checkMatchesName(path, trailer.summaryOffset(), summary, fileName.name());
            BlockIndex index = BlockIndex.decode(path, trailer.indexOffset(),
                    Arrays.copyOf(metadata, trailer.indexLength()), summary);
            LayerFile file = new LayerFile(path, fileName, summary, fileSize, index, cache, channel);
            success = true;
            cache.openFiles().used(file);
            return file;
        } finally {
            if (!success) {
                channel.close();
            }
        }
    }

    private static void checkMatchesName(Path path, long offset, LayerSummary summary, LayerName name)
            throws CorruptLayerException {
        if (summary.delta() != isDeltaName(name) || !summary.keyStart().equals(name.keyStart())
                || !summary.keyEnd().equals(name.keyEnd()) || !summary.lsnStart().equals(name.lsnStart())
                || !summary.lsnEnd().equals(name.lsnEnd())) {
            throw new CorruptLayerException(path, offset, "summary describes a " + (summary.delta() ? "delta" : "image")
                    + " of keys " + summary.keyStart() + ".." + summary.keyEnd() + " and LSNs " + summary.lsnStart()
                    + ".." + summary.lsnEnd() + ", which is not the layer the file name " + name.text() + " names");
        }
    }

    private static boolean isDeltaName(LayerName name) {
        return switch (name) {
            case DeltaLayerName ignored -> true;
            case ImageLayerName ignored -> false;
        };
    }

    public LayerFileName fileName() {
        return fileName;
    }

    public LayerSummary summary() {
        return summary;
    }

    public long fileSize() {
        return fileSize;
    }

    public Path path() {
        return path;
    }

    /**
     * Appends to {@code out} the entries for {@code key} whose LSN is in {@code [floorInclusive,
     * ceilingExclusive)}, comparing raw LSN values as unsigned numbers, newest first. Reads only the blocks
     * whose range can hold such an entry, through the cache.
     *
     * @throws CorruptLayerException when a block read fails its checksum; {@code out} is left unchanged
     */
    public void collect(Key key, long floorInclusive, long ceilingExclusive, List<PageEntry> out) throws IOException {
        collect(key, floorInclusive, ceilingExclusive, out, false, null);
    }

    /**
     * As {@link #collect(Key, long, long, List)}, but stops after the newest record that initialises the page:
     * a read never needs anything older, so older records are not even decoded. This is what the read path
     * uses; it matters for pages with long histories.
     */
    public void collectForRead(Key key, long floorInclusive, long ceilingExclusive, List<PageEntry> out) throws IOException {
        collect(key, floorInclusive, ceilingExclusive, out, true, null);
    }

    /**
     * As {@link #collectForRead(Key, long, long, List)}, for a pass that reads in key order: blocks not in the
     * shared cache are kept in {@code memo} instead of being added to the cache.
     */
    public void collectForRead(Key key, long floorInclusive, long ceilingExclusive, List<PageEntry> out, BlockMemo memo)
            throws IOException {
        collect(key, floorInclusive, ceilingExclusive, out, true, requireNonNull(memo, "memo is null"));
    }

    /** As {@link #collect(Key, long, long, List)}, keeping blocks in {@code memo} instead of the shared cache. */
    public void collect(Key key, long floorInclusive, long ceilingExclusive, List<PageEntry> out, BlockMemo memo)
            throws IOException {
        collect(key, floorInclusive, ceilingExclusive, out, false, requireNonNull(memo, "memo is null"));
    }

    private void collect(Key key, long floorInclusive, long ceilingExclusive, List<PageEntry> out, boolean stopAtInitializing,
                         BlockMemo memo) throws IOException {
        requireNonNull(key, "key is null");
        requireNonNull(out, "out is null");
        ensureOpen();
        if (Long.compareUnsigned(floorInclusive, ceilingExclusive) >= 0
                || key.compareTo(summary.keyStart()) < 0 || key.compareTo(summary.keyEnd()) >= 0
                || Long.compareUnsigned(ceilingExclusive, summary.lsnStart().value()) <= 0
                || Long.compareUnsigned(floorInclusive, summary.lsnEnd().value()) >= 0) {
            return;
        }
        // The blocks that can hold matching entries follow from the index alone; they are read newest first, so
        // a read that stops at an initialising record never reads the older blocks of a long history.
        int firstBlock = index.firstBlockEndingAtOrAfter(key, floorInclusive);
        int endBlock = firstBlock;
        while (endBlock < index.blockCount() && index.startsBefore(endBlock, key, ceilingExclusive)) {
            endBlock++;
        }
        int added = out.size();
        try {
            for (int blockNumber = endBlock - 1; blockNumber >= firstBlock; blockNumber--) {
                DataBlock block = memo == null ? readBlock(blockNumber, true) : readBlock(blockNumber, memo);
                int first = block.lowerBound(key, floorInclusive);
                int end = first;
                while (end < block.entryCount() && block.hasKey(end, key)
                        && Long.compareUnsigned(block.lsnAt(end), ceilingExclusive) < 0) {
                    end++;
                }
                for (int entry = end - 1; entry >= first; entry--) {
                    PageRecord record = block.recordAt(entry);
                    out.add(new PageEntry(key, Lsn.of(block.lsnAt(entry)), record));
                    if (stopAtInitializing && record.initializes()) {
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // The contract: a failed read leaves out as it was.
            out.subList(added, out.size()).clear();
            throw e;
        }
    }

    /**
     * Adds to {@code out} every key in {@code [fromInclusive, toExclusive)} with an entry below
     * {@code ceilingExclusive}. Reads blocks as {@link #scan} does (a cached block is used, a block read here is
     * not cached) but decodes no record: image creation asks this of every layer before it rebuilds a page.
     */
    public void keys(Key fromInclusive, Key toExclusive, long ceilingExclusive, Collection<Key> out) throws IOException {
        requireNonNull(fromInclusive, "fromInclusive is null");
        requireNonNull(toExclusive, "toExclusive is null");
        requireNonNull(out, "out is null");
        ensureOpen();
        if (fromInclusive.compareTo(toExclusive) >= 0) {
            return;
        }
        Key last = null;
        for (int number = index.firstBlockEndingAtOrAfter(fromInclusive, 0L);
             number < index.blockCount() && index.firstKey(number).compareTo(toExclusive) < 0; number++) {
            DataBlock block = readBlock(number, false);
            for (int entry = block.lowerBound(fromInclusive, 0L); entry < block.entryCount(); entry++) {
                if (last != null && block.hasKey(entry, last)) {
                    continue; // another version of the key just added
                }
                if (Long.compareUnsigned(block.lsnAt(entry), ceilingExclusive) >= 0) {
                    continue;
                }
                Key key = block.keyAt(entry);
                if (key.compareTo(toExclusive) >= 0) {
                    return;
                }
                out.add(key);
                last = key;
            }
        }
    }

    /**
     * Entries with {@code fromInclusive <= key < toExclusive} in (key, LSN) order. Blocks are read as the
     * cursor reaches them; a cached block is used, but blocks read by a scan are not added to the cache.
     */
    public LayerCursor scan(Key fromInclusive, Key toExclusive) throws IOException {
        requireNonNull(fromInclusive, "fromInclusive is null");
        requireNonNull(toExclusive, "toExclusive is null");
        ensureOpen();
        return new ScanCursor(fromInclusive, toExclusive);
    }

    /**
     * Reads every block from disk (not from the cache), checks its checksum, decodes every entry and checks
     * that entries are in order, inside the layer's ranges, agree with the index, and (for an image) are
     * page images at the image LSN.
     *
     * @throws CorruptLayerException naming the file and the offset of the first bad block
     */
    public LayerVerification verify() throws IOException {
        ensureOpen();
        long entries = 0;
        Key previousKey = null;
        long previousLsn = 0;
        for (int blockNumber = 0; blockNumber < index.blockCount(); blockNumber++) {
            DataBlock block = DataBlock.decode(path, index.offset(blockNumber),
                    read(index.offset(blockNumber), index.length(blockNumber)), index.entryCount(blockNumber));
            for (int entry = 0; entry < block.entryCount(); entry++) {
                PageEntry pageEntry = block.entryAt(entry);
                long lsn = pageEntry.lsn().value();
                String problem = null;
                if (previousKey != null && BlockIndex.compare(pageEntry.key(), lsn, previousKey, previousLsn) <= 0) {
                    problem = "is not after the previous entry";
                } else if (!fileName.name().containsKey(pageEntry.key())) {
                    problem = "is outside the key range";
                } else if (pageEntry.lsn().compareTo(summary.lsnStart()) < 0
                        || pageEntry.lsn().compareTo(summary.lsnEnd()) >= 0) {
                    problem = "is outside the LSN range";
                } else if (!summary.delta() && !(pageEntry.record() instanceof PageRecord.Image)) {
                    problem = "is not a page image in an image layer";
                } else if (entry == 0 && BlockIndex.compare(pageEntry.key(), lsn, index.firstKey(blockNumber),
                        index.firstLsn(blockNumber)) != 0) {
                    problem = "is not the first entry the index names";
                } else if (entry == block.entryCount() - 1 && BlockIndex.compare(pageEntry.key(), lsn,
                        index.lastKey(blockNumber), index.lastLsn(blockNumber)) != 0) {
                    problem = "is not the last entry the index names";
                }
                if (problem != null) {
                    throw new CorruptLayerException(path, block.fileOffset(), "entry " + entry + " of the block, "
                            + pageEntry.key() + "@" + pageEntry.lsn() + ", " + problem);
                }
                previousKey = pageEntry.key();
                previousLsn = lsn;
            }
            entries += block.entryCount();
        }
        if (entries != summary.entryCount()) {
            throw new CorruptLayerException(path, fileSize - LayerFormat.TRAILER_BYTES, "blocks hold " + entries
                    + " entries, the summary says " + summary.entryCount());
        }
        return new LayerVerification(index.blockCount(), entries, fileSize);
    }

    /** Closes the file and drops its blocks from the cache. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            try {
                FileChannel current;
                synchronized (reopenLock) {
                    current = channel;
                    channel = null;
                }
                if (current != null) {
                    current.close();
                }
            } finally {
                cache.openFiles().closed(this);
                cache.invalidate(identity);
            }
        }
    }

    /**
     * Closes the channel to give its file descriptor back (the node has too many open); the next read from disk
     * opens it again. Cached blocks stay.
     */
    void releaseChannel() {
        FileChannel current;
        synchronized (reopenLock) {
            current = channel;
            channel = null;
        }
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // Read-only: closing cannot lose data.
            }
        }
    }

    /** A block from the shared cache, from {@code memo}, or read (and then kept in {@code memo} only). */
    private DataBlock readBlock(int blockNumber, BlockMemo memo) throws IOException {
        long offset = index.offset(blockNumber);
        DataBlock block = cache.get(identity, offset);
        if (block == null) {
            block = memo.get(identity, offset);
        }
        if (block == null) {
            block = DataBlock.decode(path, offset, read(offset, index.length(blockNumber)), index.entryCount(blockNumber));
            memo.put(identity, offset, block);
        }
        return block;
    }

    private DataBlock readBlock(int blockNumber, boolean populateCache) throws IOException {
        long offset = index.offset(blockNumber);
        DataBlock block = cache.get(identity, offset);
        if (block != null) {
            return block;
        }
        block = DataBlock.decode(path, offset, read(offset, index.length(blockNumber)), index.entryCount(blockNumber));
        if (populateCache) {
            cache.put(identity, offset, block);
            if (closed.get()) {
                // close() ran while this block was read: drop it again, nobody can ask for it any more.
                cache.invalidate(identity);
            }
        }
        return block;
    }

    private byte[] read(long offset, int length) throws IOException {
        while (true) {
            ensureOpen();
            FileChannel current = channel;
            if (current == null) {
                current = reopen(null);
            }
            try {
                byte[] bytes = readFully(path, current, offset, length);
                cache.openFiles().used(this);
                return bytes;
            } catch (ClosedByInterruptException e) {
                // The interrupted caller was cancelled: it gets the error, the file is reopened for the others.
                reopen(current);
                throw e;
            } catch (ClosedChannelException e) {
                // Another thread's interrupt, or the bound on open files, closed the channel under this read:
                // reopen and retry.
                reopen(current);
            }
        }
    }

    /**
     * Replaces a channel that was closed under a reader (an interrupt, or released to bound open files), unless
     * the file itself was closed or another reader already reopened it; returns the channel to use.
     */
    private FileChannel reopen(FileChannel failed) throws IOException {
        FileChannel current;
        boolean opened = false;
        synchronized (reopenLock) {
            ensureOpen();
            current = channel;
            if (current == null || current == failed) {
                current = FileChannel.open(path, StandardOpenOption.READ);
                channel = current;
                opened = true;
            }
        }
        if (opened) {
            // Outside reopenLock: counting this file may release another file's channel under that one's lock.
            cache.openFiles().used(this);
        }
        return current;
    }

    private static byte[] readFully(Path path, FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, offset + buffer.position());
            if (read < 0) {
                throw new EOFException("layer file " + path + " ends before offset " + (offset + length));
            }
        }
        return buffer.array();
    }

    private void ensureOpen() throws IOException {
        if (closed.get()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "LayerFile[" + path + ", " + summary.entryCount() + " entries in " + summary.blockCount() + " blocks]";
    }

    /** Reads forward block by block; see {@link #scan}. */
    private final class ScanCursor implements LayerCursor {
        private final Key toExclusive;
        private final Key fromInclusive;
        private int blockNumber;
        private DataBlock block;
        private int position;
        private PageEntry current;
        private boolean done;

        ScanCursor(Key fromInclusive, Key toExclusive) {
            this.fromInclusive = fromInclusive;
            this.toExclusive = toExclusive;
            this.blockNumber = index.firstBlockEndingAtOrAfter(fromInclusive, 0L);
            this.done = fromInclusive.compareTo(toExclusive) >= 0;
        }

        @Override
        public boolean next() throws IOException {
            current = null;
            ensureOpen();
            while (!done) {
                if (block == null) {
                    if (blockNumber >= index.blockCount() || index.firstKey(blockNumber).compareTo(toExclusive) >= 0) {
                        done = true;
                        break;
                    }
                    block = readBlock(blockNumber, false);
                    position = block.lowerBound(fromInclusive, 0L);
                }
                if (position < block.entryCount()) {
                    Key key = block.keyAt(position);
                    if (key.compareTo(toExclusive) >= 0) {
                        done = true;
                        break;
                    }
                    current = new PageEntry(key, Lsn.of(block.lsnAt(position)), block.recordAt(position));
                    position++;
                    return true;
                }
                block = null;
                blockNumber++;
            }
            return false;
        }

        @Override
        public PageEntry entry() {
            if (current == null) {
                throw new IllegalStateException(done ? "the cursor is exhausted" : "next() was not called",
                        new NoSuchElementException());
            }
            return current;
        }

        @Override
        public void close() {
            done = true;
            current = null;
            block = null;
        }
    }
}
