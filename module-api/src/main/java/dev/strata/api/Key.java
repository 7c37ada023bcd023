package dev.strata.api;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An 18-byte key, ordered as unsigned bytes.
 *
 * <p>The bytes are held as three numbers so that keys compare, hash and copy without allocation: bytes 0-7 in
 * {@code high}, bytes 8-15 in {@code middle} (both big-endian) and bytes 16-17 in {@code low} (0 to 0xFFFF).
 * The text form is 36 upper-case hex digits. A relation page maps to
 * {@code (0x00, spcnode, dbnode, relnode, forknum, blkno)}; any other 18 bytes are a valid key too.
 */
public record Key(long high, long middle, int low) implements Comparable<Key> {
    /** Number of bytes in a key. */
    public static final int BYTES = 18;
    /** The smallest key: 18 zero bytes. */
    public static final Key MIN = new Key(0L, 0L, 0);
    /** The largest key: 18 bytes of 0xFF. */
    public static final Key MAX = new Key(-1L, -1L, 0xFFFF);
    private static final HexFormat UPPER_HEX = HexFormat.of().withUpperCase();

    public Key {
        if (low < 0 || low > 0xFFFF) {
            throw new IllegalArgumentException("key low bits out of range: " + low);
        }
    }

    /** Builds the key of a relation page. {@code forkNumber} must fit in one unsigned byte. */
    public static Key ofRelationPage(int spcNode, int dbNode, int relNode, int forkNumber, int blockNumber) {
        if (forkNumber < 0 || forkNumber > 0xFF) {
            throw new InvalidInputException("fork number", Integer.toString(forkNumber), "expected 0 to 255");
        }
        ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        buffer.put((byte) 0).putInt(spcNode).putInt(dbNode).putInt(relNode).put((byte) forkNumber).putInt(blockNumber);
        return fromBytes(buffer.array());
    }

    /** Reads a key from exactly 18 bytes. */
    public static Key fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes is null");
        if (bytes.length != BYTES) {
            throw new InvalidInputException("key", Hex.lower(bytes), "expected 18 bytes, got " + bytes.length);
        }
        return read(ByteBuffer.wrap(bytes));
    }

    /** Reads 18 bytes at the buffer's position and advances it. */
    public static Key read(ByteBuffer buffer) {
        long high = buffer.getLong();
        long middle = buffer.getLong();
        int low = buffer.getShort() & 0xFFFF;
        return new Key(high, middle, low);
    }

    /** Writes the 18 bytes at the buffer's position and advances it. */
    public void write(ByteBuffer buffer) {
        buffer.putLong(high).putLong(middle).putShort((short) low);
    }

    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        write(buffer);
        return buffer.array();
    }

    /**
     * Parses exactly 36 hex digits (either case).
     *
     * @throws InvalidInputException naming the text if it is not 36 hex digits
     */
    public static Key parse(String text) {
        Objects.requireNonNull(text, "text is null");
        byte[] bytes = Hex.decode(text, BYTES * 2);
        if (bytes == null) {
            throw new InvalidInputException("key", text, "expected exactly 36 hex digits");
        }
        return fromBytes(bytes);
    }

    /** The next key in order. */
    public Key next() {
        if (equals(MAX)) {
            throw new IllegalStateException("MAX has no next key");
        }
        if (low < 0xFFFF) {
            return new Key(high, middle, low + 1);
        }
        if (middle != -1L) {
            return new Key(high, middle + 1, 0);
        }
        return new Key(high + 1, 0L, 0);
    }

    /** True when this key is the relation-page form (first byte zero). */
    public boolean isRelationPage() {
        return (high >>> 56) == 0;
    }

    @Override
    public int compareTo(Key other) {
        int c = Long.compareUnsigned(high, other.high);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(middle, other.middle);
        if (c != 0) {
            return c;
        }
        return Integer.compare(low, other.low);
    }

    @Override
    public String toString() {
        // Not String.format: keys are printed on every page request of the HTTP client.
        return UPPER_HEX.toHexDigits(high) + UPPER_HEX.toHexDigits(middle) + UPPER_HEX.toHexDigits((short) low);
    }
}
