package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import dev.strata.api.PageRecordCodec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A decoded data block: its checksum was verified and its body decompressed and checked for structure once,
 * when it was read, so that a cached block serves lookups straight from memory. Keys and LSNs are read in
 * place through the offset table; a record is decoded only when it is returned. Immutable and thread-safe.
 * The encoding is described in {@link LayerFormat}.
 */
final class DataBlock {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    /** Bounds a decoded body so a damaged length cannot exhaust the heap; far above any block a writer makes. */
    private static final int MAX_BODY_BYTES = LayerWriteOptions.MAX_BLOCK_BYTES + 2 * PageRecord.MAX_VALUE_BYTES;
    /** Memory that a cached block costs beyond its body: object headers and the cache's bookkeeping. */
    private static final int OVERHEAD_BYTES = 96;

    private final Path path;
    private final long fileOffset;
    /**
     * Holds the body at {@link #base}: a raw block keeps the array it was read into (header and checksum around
     * the body), so a read copies no block a second time; an inflated one starts at 0.
     */
    private final byte[] body;
    private final int base;
    private final int entryCount;
    /** Array index of the offset table. */
    private final int tableStart;

    private DataBlock(Path path, long fileOffset, byte[] body, int base, int entryCount, int tableStart) {
        this.path = requireNonNull(path, "path is null");
        this.fileOffset = fileOffset;
        this.body = requireNonNull(body, "body is null");
        this.base = base;
        this.entryCount = entryCount;
        this.tableStart = tableStart;
    }

    /**
     * Checks and decodes the stored bytes of the block at {@code fileOffset}.
     *
     * @throws CorruptLayerException naming the file and the block's offset when the checksum does not match,
     *                               the body does not decompress, or its structure is inconsistent
     */
    static DataBlock decode(Path path, long fileOffset, byte[] stored, int expectedEntries)
            throws CorruptLayerException {
        if (stored.length < LayerFormat.MIN_BLOCK_BYTES) {
            throw new CorruptLayerException(path, fileOffset, "block of " + stored.length + " bytes is too short");
        }
        int checked = stored.length - LayerFormat.CHECKSUM_BYTES;
        int storedCrc = (int) INT.get(stored, checked);
        int computedCrc = LayerFormat.crc32c(stored, 0, checked);
        if (storedCrc != computedCrc) {
            throw LayerFormat.checksumMismatch(path, fileOffset, "data block", storedCrc, computedCrc);
        }
        byte encoding = stored[0];
        int bodyLength = (int) INT.get(stored, 1);
        int payloadLength = checked - LayerFormat.BLOCK_HEADER_BYTES;
        if (bodyLength < Integer.BYTES || bodyLength > MAX_BODY_BYTES) {
            throw new CorruptLayerException(path, fileOffset, "block body length " + bodyLength + " out of range");
        }
        byte[] body;
        int base;
        switch (encoding) {
            case LayerFormat.BLOCK_RAW -> {
                if (payloadLength != bodyLength) {
                    throw new CorruptLayerException(path, fileOffset, "raw block holds " + payloadLength
                            + " bytes, its header says " + bodyLength);
                }
                body = stored;
                base = LayerFormat.BLOCK_HEADER_BYTES;
            }
            case LayerFormat.BLOCK_DEFLATE -> {
                body = inflate(path, fileOffset, stored, payloadLength, bodyLength);
                base = 0;
            }
            default -> throw new CorruptLayerException(path, fileOffset, "unknown block encoding " + encoding);
        }
        int entryCount = (int) INT.get(body, base + bodyLength - Integer.BYTES);
        if (entryCount != expectedEntries || entryCount < 1
                || (long) entryCount * Integer.BYTES > bodyLength - Integer.BYTES) {
            throw new CorruptLayerException(path, fileOffset, "block holds " + entryCount + " entries, the index says "
                    + expectedEntries);
        }
        int tableStart = bodyLength - Integer.BYTES - entryCount * Integer.BYTES;
        int previous = -1;
        for (int entry = 0; entry < entryCount; entry++) {
            int offset = (int) INT.get(body, base + tableStart + entry * Integer.BYTES);
            boolean valid = entry == 0 ? offset == 0 : offset >= previous + LayerFormat.ENTRY_HEADER_BYTES + 1;
            if (!valid || offset > tableStart - LayerFormat.ENTRY_HEADER_BYTES - 1) {
                throw new CorruptLayerException(path, fileOffset, "offset table entry " + entry + " is " + offset);
            }
            previous = offset;
        }
        return new DataBlock(path, fileOffset, body, base, entryCount, base + tableStart);
    }

    private static byte[] inflate(Path path, long fileOffset, byte[] stored, int payloadLength, int bodyLength)
            throws CorruptLayerException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(stored, LayerFormat.BLOCK_HEADER_BYTES, payloadLength);
            byte[] body = new byte[bodyLength];
            int length = 0;
            while (length < bodyLength && !inflater.finished()) {
                int produced = inflater.inflate(body, length, bodyLength - length);
                if (produced == 0) {
                    // Input exhausted or a dictionary wanted: the payload is shorter than the header claims.
                    break;
                }
                length += produced;
            }
            if (length != bodyLength || !inflater.finished() || inflater.getRemaining() != 0) {
                throw new CorruptLayerException(path, fileOffset, "compressed block inflates to " + length
                        + " bytes, its header says " + bodyLength);
            }
            return body;
        } catch (DataFormatException e) {
            throw new CorruptLayerException(path, fileOffset, "compressed block does not inflate: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    /** File offset of the block, for error messages and the cache key. */
    long fileOffset() {
        return fileOffset;
    }

    int entryCount() {
        return entryCount;
    }

    /** Memory the block holds while cached. */
    long sizeBytes() {
        return (long) body.length + OVERHEAD_BYTES;
    }

    /** Array index of entry {@code entry}. */
    private int entryOffset(int entry) {
        return base + (int) INT.get(body, tableStart + entry * Integer.BYTES);
    }

    private int entryEnd(int entry) {
        return entry + 1 < entryCount ? entryOffset(entry + 1) : tableStart;
    }

    /** Compares entry {@code entry} with (key, lsn) without decoding it. */
    int compareAt(int entry, Key key, long lsn) {
        int offset = entryOffset(entry);
        int c = Long.compareUnsigned((long) LONG.get(body, offset), key.high());
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned((long) LONG.get(body, offset + 8), key.middle());
        if (c != 0) {
            return c;
        }
        c = Integer.compare(Short.toUnsignedInt((short) SHORT.get(body, offset + 16)), key.low());
        if (c != 0) {
            return c;
        }
        return Long.compareUnsigned((long) LONG.get(body, offset + Key.BYTES), lsn);
    }

    /** True when entry {@code entry} is for {@code key}. */
    boolean hasKey(int entry, Key key) {
        int offset = entryOffset(entry);
        return (long) LONG.get(body, offset) == key.high() && (long) LONG.get(body, offset + 8) == key.middle()
                && Short.toUnsignedInt((short) SHORT.get(body, offset + 16)) == key.low();
    }

    /** The first entry at or after (key, lsn), or {@link #entryCount()} when every entry is before it. */
    int lowerBound(Key key, long lsn) {
        int low = 0;
        int high = entryCount;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (compareAt(middle, key, lsn) < 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    Key keyAt(int entry) {
        int offset = entryOffset(entry);
        return new Key((long) LONG.get(body, offset), (long) LONG.get(body, offset + 8),
                Short.toUnsignedInt((short) SHORT.get(body, offset + 16)));
    }

    long lsnAt(int entry) {
        return (long) LONG.get(body, entryOffset(entry) + Key.BYTES);
    }

    /**
     * Decodes the record of entry {@code entry}.
     *
     * @throws CorruptLayerException when the bytes are not exactly one record; the checksum matched, so this
     *                               means the writer was wrong, but it is still a file that must not be served
     */
    PageRecord recordAt(int entry) throws CorruptLayerException {
        int start = entryOffset(entry) + LayerFormat.ENTRY_HEADER_BYTES;
        int end = entryEnd(entry);
        ByteBuffer buffer = ByteBuffer.wrap(body, start, end - start);
        try {
            PageRecord record = PageRecordCodec.decode(buffer);
            if (buffer.position() != end) {
                throw new CorruptLayerException(path, fileOffset, "record of entry " + entry + " in block ends at body position "
                        + (buffer.position() - base) + ", the next entry starts at " + (end - base));
            }
            return record;
        } catch (IllegalArgumentException | BufferUnderflowException e) {
            throw new CorruptLayerException(path, fileOffset, "record of entry " + entry + " in block does not decode: "
                    + e.getMessage(), e);
        }
    }

    PageEntry entryAt(int entry) throws CorruptLayerException {
        return new PageEntry(keyAt(entry), Lsn.of(lsnAt(entry)), recordAt(entry));
    }
}
