package dev.strata.core.timeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Records of a fixed number of longs, appended by one writer and read by any number of readers, in a few large
 * arrays: the index of an {@link InMemoryLayer}, which would otherwise hold several small objects per key and per
 * version for every young collection to copy.
 *
 * <p>Record {@code n} never moves. Chunk {@code c} holds {@code FIRST << c} records, so an arena that stays small
 * (an idle timeline's) costs little, and one that grows to millions of records is a handful of arrays, the large
 * ones big enough that the collector never copies them.
 *
 * <p>Visibility: the writer fills a record with plain writes and then publishes it by a release write
 * ({@link #setRelease}) of a field that readers read with {@link #getAcquire}, or by a volatile write of its own
 * (a count, a table). A reader that has seen a record through such a read also sees its chunk, because the
 * writer publishes a new chunk (a volatile write of the chunk table) before it appends into it.
 */
final class LongArena {
    private static final int FIRST_SHIFT = 6;
    /** Records in chunk 0. */
    static final int FIRST = 1 << FIRST_SHIFT;
    /** Chunks at most: the last holds {@code FIRST << (MAX_CHUNKS - 1)} records, 2^27. */
    private static final int MAX_CHUNKS = 22;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int width;
    private final String name;
    private volatile long[][] chunks = new long[1][];
    /** Records appended: writer only. */
    private int count;

    /**
     * @param width longs per record
     * @param name what the records are, for the error when an arena is full
     */
    LongArena(int width, String name) {
        if (width < 1) {
            throw new IllegalArgumentException("width must be positive: " + width);
        }
        this.width = width;
        this.name = name;
    }

    /** Records appended so far. Writer only: readers learn how many there are from what the writer publishes. */
    int count() {
        return count;
    }

    /**
     * Appends a record of zeros and returns its number; the writer then fills it with {@link #set}.
     *
     * @throws IllegalStateException when the arena holds as many records as it can (over 2^28)
     */
    int append() {
        int number = count;
        int chunk = chunkOf(number);
        if (chunk >= MAX_CHUNKS) {
            throw new IllegalStateException("an in-memory layer holds at most " + (firstOf(MAX_CHUNKS)) + " " + name);
        }
        long[][] table = chunks;
        if (chunk >= table.length || table[chunk] == null) {
            long[][] grown = chunk < table.length ? table : Arrays.copyOf(table, Math.min(MAX_CHUNKS, table.length * 2));
            grown[chunk] = new long[(FIRST << chunk) * width];
            chunks = grown; // publishes the new chunk before any record in it
        }
        count = number + 1;
        return number;
    }

    /** The chunk table as of now: readers take it once per operation and pass it to the static accessors. */
    long[][] chunks() {
        return chunks;
    }

    /** Sets a field of a record with a plain write. Writer only. */
    void set(int number, int field, long value) {
        int chunk = chunkOf(number);
        chunks[chunk][(number - firstOf(chunk)) * width + field] = value;
    }

    /** Sets a field with release semantics: a reader that reads it with {@link #getAcquire} sees what came before. */
    void setRelease(int number, int field, long value) {
        int chunk = chunkOf(number);
        LONGS.setRelease(chunks[chunk], (number - firstOf(chunk)) * width + field, value);
    }

    /** Reads a field of a record in {@code chunks} ({@link #chunks()}) with a plain read. */
    long get(long[][] chunks, int number, int field) {
        int chunk = chunkOf(number);
        return chunks[chunk][(number - firstOf(chunk)) * width + field];
    }

    /** Reads a field with acquire semantics, the pair of {@link #setRelease}. */
    long getAcquire(long[][] chunks, int number, int field) {
        int chunk = chunkOf(number);
        return (long) LONGS.getAcquire(chunks[chunk], (number - firstOf(chunk)) * width + field);
    }

    /** The number of the chunk that holds record {@code number}. */
    static int chunkOf(int number) {
        return 31 - Integer.numberOfLeadingZeros((number >>> FIRST_SHIFT) + 1);
    }

    /** The number of the first record in chunk {@code chunk}. */
    static int firstOf(int chunk) {
        return FIRST * ((1 << chunk) - 1);
    }

    /** Bytes of the arrays allocated so far. */
    long allocatedBytes() {
        long bytes = 0;
        for (long[] chunk : chunks) {
            bytes += chunk == null ? 0 : 8L * chunk.length;
        }
        return bytes;
    }
}
