package dev.strata.benchmarks;

import dev.strata.api.Key;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The peer: a versioned page store in RocksDB, built the obvious way. Key = timeline tag (1 byte) ‖ page key
 * (18 bytes) ‖ big-endian LSN (8 bytes); one {@link WriteBatch} per ingest batch, written with
 * {@code sync} equal to Strata's durability; a read of (key, lsn) is {@code seekForPrev(tag ‖ key ‖ lsn)}.
 * A branch is a new tag whose reads fall through to the parent at the branch LSN, as Strata's do.
 *
 * <p>Values are the record bytes: an image is stored as is, a delta as 4-byte offset ‖ bytes. The read
 * workloads write images only, so a read never has to walk deltas (a fair shortcut for the peer).
 *
 * <p>Iterators are kept per thread and refreshed before a read only when a write was acknowledged since the
 * thread's last refresh, so every read sees every acknowledged write and a read-only phase pays no refresh
 * (a refresh rebuilds the iterator's view of the files, as costly as a new iterator).
 */
final class RocksStore implements VersionedStore {
    static {
        RocksDB.loadLibrary();
    }

    /** A new iterator for every read instead of one per thread ({@code -Dstrata.bench.rocksdb.iteratorPerRead=true}). */
    private static final boolean ITERATOR_PER_READ = Boolean.getBoolean("strata.bench.rocksdb.iteratorPerRead");
    private static final int KEY_BYTES = 1 + Key.BYTES + Long.BYTES;

    private final Shared shared;
    private final byte tag;
    private final RocksStore parent;
    private final long branchLsn;
    private final ThreadLocal<ThreadIterator> iterators;

    /** A thread's iterator and the write count it last saw. */
    private static final class ThreadIterator {
        final RocksIterator iterator;
        long seenWrites;

        ThreadIterator(RocksIterator iterator, long seenWrites) {
            this.iterator = iterator;
            this.seenWrites = seenWrites;
        }
    }

    /** What the tags of one database share. */
    private static final class Shared {
        final RocksDB db;
        final Options options;
        final LRUCache cache;
        final WriteOptions writeOptions;
        final ReadOptions readOptions;
        final AtomicLong lsn = new AtomicLong(0x0100_0000L);
        final AtomicLong nextTag = new AtomicLong();
        final AtomicLong writes = new AtomicLong();
        final List<RocksIterator> allIterators = new CopyOnWriteArrayList<>();

        Shared(RocksDB db, Options options, LRUCache cache, WriteOptions writeOptions, ReadOptions readOptions) {
            this.db = db;
            this.options = options;
            this.cache = cache;
            this.writeOptions = writeOptions;
            this.readOptions = readOptions;
        }
    }

    private RocksStore(Shared shared, byte tag, RocksStore parent, long branchLsn) {
        this.shared = shared;
        this.tag = tag;
        this.parent = parent;
        this.branchLsn = branchLsn;
        this.iterators = ThreadLocal.withInitial(() -> {
            long seen = shared.writes.get();
            RocksIterator iterator = shared.db.newIterator(shared.readOptions);
            shared.allIterators.add(iterator);
            return new ThreadIterator(iterator, seen);
        });
    }

    /**
     * @param sync            true to sync the WAL on every batch (Strata's FSYNC durability)
     * @param blockCacheBytes LRU block cache, the same size as Strata's block cache
     */
    static RocksStore open(Path directory, boolean sync, long blockCacheBytes) throws IOException {
        LRUCache cache = new LRUCache(blockCacheBytes);
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache).setBlockSize(16 * 1024);
        Options options = new Options()
                .setCreateIfMissing(true)
                .setCompressionType(CompressionType.NO_COMPRESSION) // Strata writes layers uncompressed too
                .setMaxBackgroundJobs(2)
                .setTableFormatConfig(table);
        try {
            RocksDB db = RocksDB.open(options, directory.toString());
            WriteOptions writeOptions = new WriteOptions().setSync(sync);
            ReadOptions readOptions = new ReadOptions();
            return new RocksStore(new Shared(db, options, cache, writeOptions, readOptions), (byte) 0, null, 0);
        } catch (RocksDBException e) {
            throw new IOException("cannot open RocksDB in " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "RocksDB";
    }

    @Override
    public long ingest(List<PageWrite> batch) throws IOException {
        try (WriteBatch writeBatch = new WriteBatch()) {
            long last;
            // LSNs are handed out under the database's lock-free counter; one batch takes a contiguous run.
            long first = shared.lsn.getAndAdd(batch.size()) + 1;
            last = first + batch.size() - 1;
            for (int i = 0; i < batch.size(); i++) {
                PageWrite write = batch.get(i);
                writeBatch.put(key(tag, write.key(), first + i), value(write.record()));
            }
            shared.db.write(shared.writeOptions, writeBatch);
            shared.writes.incrementAndGet();
            return last;
        } catch (RocksDBException e) {
            throw new IOException("RocksDB write failed: " + e.getMessage(), e);
        }
    }

    private static byte[] value(PageRecord record) {
        return switch (record) {
            case PageRecord.Image image -> image.page();
            case PageRecord.Overwrite overwrite -> ByteBuffer.allocate(4 + overwrite.bytes().length)
                    .putInt(overwrite.offset()).put(overwrite.bytes()).array();
            case PageRecord.Init init -> ByteBuffer.allocate(4).putInt(init.size()).array();
            case PageRecord.Append append -> append.bytes();
            case PageRecord.Custom custom -> custom.payload();
        };
    }

    static byte[] key(byte tag, Key key, long lsn) {
        ByteBuffer buffer = ByteBuffer.allocate(KEY_BYTES);
        buffer.put(tag);
        key.write(buffer);
        buffer.putLong(lsn);
        return buffer.array();
    }

    @Override
    public byte[] get(Key key, long lsn) throws IOException {
        if (parent != null && lsn <= branchLsn) {
            return parent.get(key, lsn);
        }
        byte[] target = key(tag, key, lsn);
        if (ITERATOR_PER_READ) {
            try (RocksIterator iterator = shared.db.newIterator(shared.readOptions)) {
                iterator.seekForPrev(target);
                if (iterator.isValid() && Arrays.equals(iterator.key(), 0, 1 + Key.BYTES, target, 0, 1 + Key.BYTES)) {
                    return iterator.value();
                }
            }
            return parent == null ? null : parent.get(key, branchLsn);
        }
        ThreadIterator current = iterators.get();
        RocksIterator iterator = current.iterator;
        long writes = shared.writes.get();
        if (current.seenWrites != writes) {
            try {
                iterator.refresh();
            } catch (RocksDBException e) {
                throw new IOException("RocksDB iterator refresh failed: " + e.getMessage(), e);
            }
            current.seenWrites = writes;
        }
        iterator.seekForPrev(target);
        if (iterator.isValid()) {
            byte[] found = iterator.key();
            if (Arrays.equals(found, 0, 1 + Key.BYTES, target, 0, 1 + Key.BYTES)) {
                return iterator.value();
            }
        }
        return parent == null ? null : parent.get(key, branchLsn);
    }

    @Override
    public long lastLsn() {
        return shared.lsn.get();
    }

    @Override
    public void flush() throws IOException {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            shared.db.flush(flush);
        } catch (RocksDBException e) {
            throw new IOException("RocksDB flush failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void settle() throws IOException {
        flush();
        try {
            long deadline = System.nanoTime() + 600_000_000_000L;
            while (shared.db.getLongProperty("rocksdb.compaction-pending") != 0
                    || shared.db.getLongProperty("rocksdb.num-running-compactions") != 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("RocksDB compactions did not finish within 10 minutes");
                }
                Thread.sleep(20);
            }
        } catch (RocksDBException e) {
            throw new IOException("RocksDB property read failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Files per level, for the log. */
    String levelStats() {
        try {
            return shared.db.getProperty("rocksdb.levelstats");
        } catch (RocksDBException e) {
            return e.getMessage();
        }
    }

    /** Full compaction of the key space; returns nothing, the caller times it. */
    void compactAll() throws IOException {
        try {
            shared.db.compactRange();
        } catch (RocksDBException e) {
            throw new IOException("RocksDB compaction failed: " + e.getMessage(), e);
        }
    }

    @Override
    public VersionedStore branch(long lsn) {
        byte childTag = (byte) shared.nextTag.incrementAndGet();
        return new RocksStore(shared, childTag, this, lsn);
    }

    @Override
    public void close() {
        if (parent != null) {
            return;
        }
        for (RocksIterator iterator : shared.allIterators) {
            iterator.close();
        }
        shared.db.close();
        shared.writeOptions.close();
        shared.readOptions.close();
        shared.options.close();
        shared.cache.close();
    }
}
