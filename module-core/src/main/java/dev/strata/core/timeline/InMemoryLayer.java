package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import dev.strata.api.PageRecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Recent values of a timeline, held in memory until they are flushed as an L0 delta layer.
 *
 * <p>While open it accepts records with LSN at or above {@link #lsnStart()} from one writer at a time (the
 * timeline's ingest lock) and serves any number of readers. {@link #freeze} fixes the exclusive end LSN; a
 * frozen layer is immutable. LSNs are compared as signed longs here: the engine never assigns LSNs at or
 * above 2^63.
 *
 * <p>Records are kept encoded ({@link PageRecordCodec}) in large byte arrays that the layer appends to (an
 * arena, as RocksDB's memtable and Neon's ephemeral files keep theirs), not as one object per record: a layer
 * holds up to {@code checkpoint_distance} bytes for seconds or minutes, and as millions of small objects those
 * bytes would be copied by every young collection that promotes them, while a few large arrays are copied
 * rarely (and arrays of half a G1 region or more never). Chunks start small and double up to
 * {@value #MAX_CHUNK_BYTES} bytes, so the many idle timelines of a node hold little. A record is decoded, a copy,
 * when it is read or flushed.
 */
final class InMemoryLayer {
    static final int MIN_CHUNK_BYTES = 4 << 10;
    static final int MAX_CHUNK_BYTES = 4 << 20;

    /**
     * The versions of one key, in LSN order: one array that the one writer appends to (LSNs only grow within a
     * layer) and publishes through {@link #size}. A reader reads {@code size} first and then the array, so it sees
     * at least that many versions; a grown array is a copy, so an older one a reader holds stays valid. This
     * replaces a skip list per key, whose nodes and boxed LSNs cost more than the 100-byte deltas they index, and
     * holds no object per version: version {@code i} is three longs from {@code 3 * i}, its LSN, where its encoding
     * lies ({@link #location}) and its length with the initialising flag ({@link #lengthAndFlag}). One array, not
     * three parallel ones, because a young collection's work is mostly per object, and a layer holds these for
     * every key it has seen until it is flushed.
     */
    private static final class Versions {
        private static final int SLOTS = 3;

        private volatile long[] slots = new long[2 * SLOTS];
        private volatile int size;

        /** Appends a version; {@code lsn} must be above every LSN already held. Writer only. */
        void append(long lsn, long location, int lengthAndFlag) {
            int count = size;
            long[] current = slots;
            if (count > 0 && lsn <= current[(count - 1) * SLOTS]) {
                throw new IllegalStateException("LSN " + Lsn.of(lsn) + " is not above the last one of its key in this "
                        + "in-memory layer, " + Lsn.of(current[(count - 1) * SLOTS]));
            }
            long[] target = current;
            if ((count + 1) * SLOTS > current.length) {
                target = Arrays.copyOf(current, current.length * 2);
            }
            int at = count * SLOTS;
            target[at] = lsn;
            target[at + 1] = location;
            target[at + 2] = lengthAndFlag;
            if (target != current) {
                slots = target;
            }
            size = count + 1;
        }

        static long lsn(long[] slots, int version) {
            return slots[version * SLOTS];
        }

        static long location(long[] slots, int version) {
            return slots[version * SLOTS + 1];
        }

        static int lengthAndFlag(long[] slots, int version) {
            return (int) slots[version * SLOTS + 2];
        }
    }

    /** A version's location: the index of its chunk in the high 32 bits, its offset there in the low 32. */
    private static long location(int chunkIndex, int offset) {
        return (long) chunkIndex << 32 | offset;
    }

    /** A version's length, with the sign bit set when the record initialises its page. */
    private static int lengthAndFlag(int length, boolean initializes) {
        return initializes ? length | Integer.MIN_VALUE : length;
    }

    private static int length(int lengthAndFlag) {
        return lengthAndFlag & Integer.MAX_VALUE;
    }

    private static boolean initializes(int lengthAndFlag) {
        return lengthAndFlag < 0;
    }

    private final Lsn lsnStart;
    private final long createdNanos = System.nanoTime();
    /** Every key's versions in key order: for flushes and key listings. A key is added once, at its first put. */
    private final ConcurrentSkipListMap<Key, Versions> values = new ConcurrentSkipListMap<>();
    /**
     * The same versions by hash: a put to a key already here, and a read, look up one bucket instead of walking
     * the skip list (about twenty dependent cache misses at a hundred thousand keys).
     */
    private final ConcurrentHashMap<Key, Versions> byKey = new ConcurrentHashMap<>();
    /**
     * The chunks of the arena, indexed by the high half of a version's location. The writer stores a new chunk in
     * the table and then writes the field again, so a reader that saw a version (through its key's volatile size,
     * written after) also sees its chunk.
     */
    private volatile byte[][] chunks = new byte[1][];
    /** How many chunks are in use, the last being filled, and its fill position: writer only. */
    private int chunkCount;
    private byte[] chunk = new byte[0];
    private int position;
    /**
     * The key of the last put and its versions, written only by the writer: a database's WAL touches a page
     * several times in a row, and these spare the map lookups.
     */
    private Key lastKey;
    private Versions lastVersions;
    private final AtomicLong bytes = new AtomicLong();
    private volatile Lsn lsnEnd;
    private volatile long entries;

    InMemoryLayer(Lsn lsnStart) {
        this.lsnStart = lsnStart;
    }

    Lsn lsnStart() {
        return lsnStart;
    }

    /** Exclusive end, or null while open. */
    Lsn lsnEnd() {
        return lsnEnd;
    }

    long bytes() {
        return bytes.get();
    }

    long entryCount() {
        return entries;
    }

    boolean isEmpty() {
        return entries == 0;
    }

    long ageNanos() {
        return System.nanoTime() - createdNanos;
    }

    /** Adds one record. Caller holds the timeline's ingest lock. */
    void put(Key key, Lsn lsn, PageRecord record) {
        if (lsnEnd != null) {
            throw new IllegalStateException("in-memory layer starting at " + lsnStart + " is frozen");
        }
        int size = PageRecordCodec.encodedSize(record);
        if (chunk.length - position < size) {
            // A new chunk, twice the last (within bounds), and never smaller than the record.
            chunk = new byte[Math.max(size, Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, chunk.length * 2)))];
            position = 0;
            byte[][] table = chunks;
            if (chunkCount == table.length) {
                table = Arrays.copyOf(table, chunkCount * 2);
            }
            table[chunkCount++] = chunk;
            chunks = table;
        }
        ByteBuffer out = ByteBuffer.wrap(chunk, position, size);
        PageRecordCodec.encode(record, out);
        if (out.position() - position != size) {
            throw new IllegalStateException("PageRecordCodec wrote " + (out.position() - position) + " bytes for a record "
                    + "it measured at " + size);
        }
        // The volatile size of the key's versions publishes the bytes written above to readers.
        Versions versions = lastVersions;
        if (!key.equals(lastKey)) {
            versions = byKey.get(key);
            if (versions == null) {
                versions = new Versions();
                // One writer: nobody else adds this key meanwhile. Both maps hold it before its first version.
                values.put(key, versions);
                byKey.put(key, versions);
            }
            lastKey = key;
            lastVersions = versions;
        }
        versions.append(lsn.value(), location(chunkCount - 1, position), lengthAndFlag(size, record.initializes()));
        position += size;
        bytes.addAndGet(Key.BYTES + 8 + size);
        entries++;
    }

    void freeze(Lsn end) {
        if (!end.isAfter(lsnStart)) {
            throw new IllegalStateException("frozen end " + end + " is not after start " + lsnStart);
        }
        this.lsnEnd = end;
    }

    /**
     * Adds entries of {@code key} with floor <= lsn < ceiling to {@code out}, newest first, stopping after the
     * newest record that initialises the page (a read needs nothing older).
     */
    void collect(Key key, long floorInclusive, long ceilingExclusive, List<PageEntry> out) {
        Versions versions = byKey.get(key);
        if (versions == null || floorInclusive >= ceilingExclusive) {
            return;
        }
        int count = versions.size;
        long[] slots = versions.slots;
        byte[][] table = chunks;
        // The first version at or above the ceiling; everything before it is below.
        int low = 0;
        int high = count;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (Versions.lsn(slots, middle) < ceilingExclusive) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        for (int i = low - 1; i >= 0 && Versions.lsn(slots, i) >= floorInclusive; i--) {
            int lengthAndFlag = Versions.lengthAndFlag(slots, i);
            out.add(new PageEntry(key, Lsn.of(Versions.lsn(slots, i)),
                    decode(table, Versions.location(slots, i), lengthAndFlag)));
            if (initializes(lengthAndFlag)) {
                return;
            }
        }
    }

    /** Keys in [from, to) that have a value below {@code ceiling}. */
    void keys(Key from, Key to, long ceilingExclusive, Set<Key> out) {
        for (Map.Entry<Key, Versions> entry : values.subMap(from, to).entrySet()) {
            Versions versions = entry.getValue();
            if (versions.size > 0 && Versions.lsn(versions.slots, 0) < ceilingExclusive) {
                out.add(entry.getKey());
            }
        }
    }

    /** Receives the records of {@link #forEachEncoded}: the key, the LSN and where the encoded record lies. */
    interface EncodedRecordSink {
        void accept(Key key, Lsn lsn, byte[] chunk, int offset, int length) throws IOException;
    }

    /**
     * Every record in (key, LSN) order as its {@link PageRecordCodec} encoding in the arena, not copied and not
     * decoded: a flush writes these bytes into the layer file as they are. The sink must not keep or change the
     * array.
     */
    void forEachEncoded(EncodedRecordSink sink) throws IOException {
        for (Map.Entry<Key, Versions> byKey : values.entrySet()) {
            Versions versions = byKey.getValue();
            int count = versions.size;
            long[] slots = versions.slots;
            byte[][] table = chunks;
            for (int i = 0; i < count; i++) {
                long location = Versions.location(slots, i);
                sink.accept(byKey.getKey(), Lsn.of(Versions.lsn(slots, i)), table[(int) (location >>> 32)], (int) location,
                        length(Versions.lengthAndFlag(slots, i)));
            }
        }
    }

    /** Every entry in (key, LSN) order, decoded. */
    Iterable<PageEntry> entriesInOrder() {
        return () -> values.entrySet().stream()
                .flatMap(byKey -> {
                    Versions versions = byKey.getValue();
                    int count = versions.size;
                    long[] slots = versions.slots;
                    byte[][] table = chunks;
                    return IntStream.range(0, count).mapToObj(i -> new PageEntry(byKey.getKey(),
                            Lsn.of(Versions.lsn(slots, i)),
                            decode(table, Versions.location(slots, i), Versions.lengthAndFlag(slots, i))));
                })
                .iterator();
    }

    private static PageRecord decode(byte[][] table, long location, int lengthAndFlag) {
        return PageRecordCodec.decode(ByteBuffer.wrap(table[(int) (location >>> 32)], (int) location,
                length(lengthAndFlag)));
    }

    @Override
    public String toString() {
        return "InMemoryLayer[" + lsnStart + ".." + (lsnEnd == null ? "open" : lsnEnd) + ", " + entries + " entries]";
    }
}
