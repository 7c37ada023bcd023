package dev.strata.core.timeline;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import dev.strata.api.PageRecordCodec;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

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
 *
 * <p>The index over the records holds no object per key or per version either, for the same reason (a layer
 * of 100-byte deltas has a key for every few records): each key is a record of {@link #KEY_WIDTH} longs and each
 * version one of {@link #VERSION_WIDTH} in a {@link LongArena}, a key's versions are linked newest to oldest,
 * and an open-addressing hash table of key numbers finds a key. Key order is needed only to flush and to list
 * keys, so it is made then, by sorting, instead of being kept up on every put.
 */
final class InMemoryLayer {
    static final int MIN_CHUNK_BYTES = 4 << 10;
    static final int MAX_CHUNK_BYTES = 4 << 20;

    /** A key record: the key's three numbers, its newest version (published last) and its oldest LSN. */
    private static final int KEY_WIDTH = 5;
    private static final int KEY_HIGH = 0;
    private static final int KEY_MIDDLE = 1;
    private static final int KEY_LOW = 2;
    private static final int KEY_NEWEST = 3;
    private static final int KEY_OLDEST_LSN = 4;
    /**
     * A version record: its LSN, where its encoding lies ({@link #location}), and the next older version of its
     * key (high 32 bits, -1 for none) with its length and initialising flag ({@link #lengthAndFlag}, low 32).
     */
    private static final int VERSION_WIDTH = 3;
    private static final int VERSION_LSN = 0;
    private static final int VERSION_LOCATION = 1;
    private static final int VERSION_OLDER_AND_LENGTH = 2;
    private static final int NO_VERSION = -1;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int MIN_TABLE_SLOTS = 16;

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
    private final LongArena keyRecords = new LongArena(KEY_WIDTH, "keys");
    private final LongArena versionRecords = new LongArena(VERSION_WIDTH, "versions");
    /**
     * Open addressing with linear probing: a slot holds a key's number plus one, 0 when empty. The writer fills
     * a key's record before it stores its slot with a release write, and a reader reads slots with acquire. A
     * grown table is a new array, filled and then published here; the one it replaces is never written again.
     */
    private volatile int[] table = new int[MIN_TABLE_SLOTS];
    /** Keys in the table, published after the key's slot: what a key listing reads. */
    private volatile int keyCount;
    /**
     * The chunks of the arena, indexed by the high half of a version's location. The writer stores a new chunk in
     * the table and then writes the field again, so a reader that saw a version (through its key's newest
     * version, written with release after) also sees its chunk.
     */
    private volatile byte[][] chunks = new byte[1][];
    /** How many chunks are in use, the last being filled, and its fill position: writer only. */
    private int chunkCount;
    private byte[] chunk = new byte[0];
    private int position;
    /**
     * The key of the last put and its number, written only by the writer: a database's WAL touches a page
     * several times in a row, and these spare the table lookup.
     */
    private Key lastKey;
    private int lastKeyNumber;
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
        int keyNumber = key.equals(lastKey) ? lastKeyNumber : find(table, key);
        int older = NO_VERSION;
        if (keyNumber >= 0) {
            older = (int) keyRecords.get(keyRecords.chunks(), keyNumber, KEY_NEWEST);
            long newestLsn = versionRecords.get(versionRecords.chunks(), older, VERSION_LSN);
            if (lsn.value() <= newestLsn) {
                throw new IllegalStateException("LSN " + lsn + " is not above the last one of its key in this "
                        + "in-memory layer, " + Lsn.of(newestLsn));
            }
        }
        int size = PageRecordCodec.encodedSize(record);
        if (chunk.length - position < size) {
            // A new chunk, twice the last (within bounds), and never smaller than the record.
            chunk = new byte[Math.max(size, Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, chunk.length * 2)))];
            position = 0;
            byte[][] grown = chunks;
            if (chunkCount == grown.length) {
                grown = Arrays.copyOf(grown, chunkCount * 2);
            }
            grown[chunkCount++] = chunk;
            chunks = grown;
        }
        ByteBuffer out = ByteBuffer.wrap(chunk, position, size);
        PageRecordCodec.encode(record, out);
        if (out.position() - position != size) {
            throw new IllegalStateException("PageRecordCodec wrote " + (out.position() - position) + " bytes for a record "
                    + "it measured at " + size);
        }
        int version = versionRecords.append();
        versionRecords.set(version, VERSION_LSN, lsn.value());
        versionRecords.set(version, VERSION_LOCATION, location(chunkCount - 1, position));
        versionRecords.set(version, VERSION_OLDER_AND_LENGTH,
                (long) older << 32 | (lengthAndFlag(size, record.initializes()) & 0xFFFF_FFFFL));
        // The release writes below publish the bytes and the version record written above to readers.
        if (keyNumber >= 0) {
            keyRecords.setRelease(keyNumber, KEY_NEWEST, version);
        } else {
            keyNumber = addKey(key, version, lsn.value());
        }
        lastKey = key;
        lastKeyNumber = keyNumber;
        position += size;
        bytes.addAndGet(Key.BYTES + 8 + size);
        entries++;
    }

    /** Adds a new key whose only version is {@code version}, and returns its number. Writer only. */
    private int addKey(Key key, int version, long lsn) {
        int number = keyRecords.append();
        keyRecords.set(number, KEY_HIGH, key.high());
        keyRecords.set(number, KEY_MIDDLE, key.middle());
        keyRecords.set(number, KEY_LOW, key.low());
        keyRecords.set(number, KEY_NEWEST, version);
        keyRecords.set(number, KEY_OLDEST_LSN, lsn);
        int[] slots = table;
        if (2 * (number + 1) > slots.length) {
            // Load at most one half: a miss (every first put of a key) probes a short run.
            int[] grown = new int[slots.length * 2];
            long[][] keys = keyRecords.chunks();
            for (int existing = 0; existing < number; existing++) {
                grown[freeSlot(grown, hash(keyRecords.get(keys, existing, KEY_HIGH),
                        keyRecords.get(keys, existing, KEY_MIDDLE), (int) keyRecords.get(keys, existing, KEY_LOW)))]
                        = existing + 1;
            }
            table = grown; // published whole; the old table is never written again
            slots = grown;
        }
        INTS.setRelease(slots, freeSlot(slots, hash(key.high(), key.middle(), key.low())), number + 1);
        keyCount = number + 1;
        return number;
    }

    private static int freeSlot(int[] slots, int hash) {
        int mask = slots.length - 1;
        int slot = hash & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** The number of {@code key} in {@code slots}, or -1. Safe for readers concurrent with the writer. */
    private int find(int[] slots, Key key) {
        int mask = slots.length - 1;
        for (int slot = hash(key.high(), key.middle(), key.low()) & mask; ; slot = (slot + 1) & mask) {
            int entry = (int) INTS.getAcquire(slots, slot);
            if (entry == 0) {
                return -1;
            }
            // Read after each acquire: a later slot may hold a key added since, in a chunk added since.
            long[][] keys = keyRecords.chunks();
            int number = entry - 1;
            if (keyRecords.get(keys, number, KEY_HIGH) == key.high()
                    && keyRecords.get(keys, number, KEY_MIDDLE) == key.middle()
                    && keyRecords.get(keys, number, KEY_LOW) == key.low()) {
                return number;
            }
        }
    }

    /** Mixes all 18 bytes of a key: relation pages differ mostly in the low bytes of the block number. */
    private static int hash(long high, long middle, int low) {
        long h = high * 0x9E37_79B9_7F4A_7C15L;
        h = (h ^ middle) * 0xC2B2_AE3D_27D4_EB4FL;
        h = (h ^ low) * 0x1656_67B1_9E37_79F9L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
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
        if (floorInclusive >= ceilingExclusive) {
            return;
        }
        int keyNumber = find(table, key);
        if (keyNumber < 0) {
            return;
        }
        int version = (int) keyRecords.getAcquire(keyRecords.chunks(), keyNumber, KEY_NEWEST);
        long[][] versions = versionRecords.chunks();
        byte[][] arena = chunks;
        while (version != NO_VERSION) {
            long lsn = versionRecords.get(versions, version, VERSION_LSN);
            long olderAndLength = versionRecords.get(versions, version, VERSION_OLDER_AND_LENGTH);
            if (lsn < floorInclusive) {
                return;
            }
            if (lsn < ceilingExclusive) {
                int lengthAndFlag = (int) olderAndLength;
                out.add(new PageEntry(key, Lsn.of(lsn),
                        decode(arena, versionRecords.get(versions, version, VERSION_LOCATION), lengthAndFlag)));
                if (initializes(lengthAndFlag)) {
                    return;
                }
            }
            version = (int) (olderAndLength >> 32);
        }
    }

    /** Keys in [from, to) that have a value below {@code ceiling}. */
    void keys(Key from, Key to, long ceilingExclusive, Set<Key> out) {
        int count = keyCount;
        long[][] keys = keyRecords.chunks();
        for (int number = 0; number < count; number++) {
            if (keyRecords.get(keys, number, KEY_OLDEST_LSN) < ceilingExclusive) {
                Key key = key(keys, number);
                if (key.compareTo(from) >= 0 && key.compareTo(to) < 0) {
                    out.add(key);
                }
            }
        }
    }

    private Key key(long[][] keys, int number) {
        return new Key(keyRecords.get(keys, number, KEY_HIGH), keyRecords.get(keys, number, KEY_MIDDLE),
                (int) keyRecords.get(keys, number, KEY_LOW));
    }

    /** Receives the records of {@link #forEachEncoded}: the key, the LSN and where the encoded record lies. */
    interface EncodedRecordSink {
        void accept(Key key, Lsn lsn, byte[] chunk, int offset, int length) throws IOException;
    }

    /** Receives a key's versions, oldest first, from {@link #forEachVersion}. */
    private interface VersionSink {
        void accept(Key key, long[][] versions, int version) throws IOException;
    }

    /**
     * Every record in (key, LSN) order as its {@link PageRecordCodec} encoding in the arena, not copied and not
     * decoded: a flush writes these bytes into the layer file as they are. The sink must not keep or change the
     * array.
     */
    void forEachEncoded(EncodedRecordSink sink) throws IOException {
        byte[][] arena = chunks;
        forEachVersion((key, versions, version) -> {
            long location = versionRecords.get(versions, version, VERSION_LOCATION);
            sink.accept(key, Lsn.of(versionRecords.get(versions, version, VERSION_LSN)),
                    arena[(int) (location >>> 32)], (int) location,
                    length((int) versionRecords.get(versions, version, VERSION_OLDER_AND_LENGTH)));
        });
    }

    /** Every entry in (key, LSN) order, decoded. */
    List<PageEntry> entriesInOrder() {
        List<PageEntry> out = new ArrayList<>();
        byte[][] arena = chunks;
        try {
            forEachVersion((key, versions, version) -> out.add(new PageEntry(key,
                    Lsn.of(versionRecords.get(versions, version, VERSION_LSN)),
                    decode(arena, versionRecords.get(versions, version, VERSION_LOCATION),
                            (int) versionRecords.get(versions, version, VERSION_OLDER_AND_LENGTH)))));
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return out;
    }

    /**
     * Walks every version in (key, LSN) order: the keys sorted by number (an index sort over copies of their
     * three numbers), each key's chain of versions reversed.
     */
    private void forEachVersion(VersionSink sink) throws IOException {
        int count = keyCount;
        long[][] keys = keyRecords.chunks();
        long[] highs = new long[count];
        long[] middles = new long[count];
        int[] lows = new int[count];
        int[] order = new int[count];
        int[] newest = new int[count];
        for (int number = 0; number < count; number++) {
            highs[number] = keyRecords.get(keys, number, KEY_HIGH);
            middles[number] = keyRecords.get(keys, number, KEY_MIDDLE);
            lows[number] = (int) keyRecords.get(keys, number, KEY_LOW);
            newest[number] = (int) keyRecords.getAcquire(keys, number, KEY_NEWEST);
            order[number] = number;
        }
        KeyOrder.sort(order, highs, middles, lows);
        long[][] versions = versionRecords.chunks();
        int[] chain = new int[16];
        for (int number : order) {
            int length = 0;
            for (int version = newest[number]; version != NO_VERSION;
                 version = (int) (versionRecords.get(versions, version, VERSION_OLDER_AND_LENGTH) >> 32)) {
                if (length == chain.length) {
                    chain = Arrays.copyOf(chain, length * 2);
                }
                chain[length++] = version;
            }
            Key key = new Key(highs[number], middles[number], lows[number]);
            for (int i = length - 1; i >= 0; i--) {
                sink.accept(key, versions, chain[i]);
            }
        }
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
