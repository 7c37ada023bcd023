package dev.strata.core.layer;

import dev.strata.api.Key;
import dev.strata.core.page.PageEntry;
import dev.strata.api.PageRecordCodec;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Accumulates the entries of one data block and encodes it as {@link LayerFormat} describes. Reused for
 * every block of a writer, so its buffers grow to the largest block once. Not thread-safe.
 */
final class BlockBuilder {
    private byte[] body = new byte[4096];
    private int length;
    private int[] offsets = new int[64];
    private int entryCount;
    private Key firstKey;
    private long firstLsn;
    private Key lastKey;
    private long lastLsn;
    private byte[] compressed = new byte[0];

    boolean isEmpty() {
        return entryCount == 0;
    }

    int entryCount() {
        return entryCount;
    }

    Key firstKey() {
        return firstKey;
    }

    long firstLsn() {
        return firstLsn;
    }

    Key lastKey() {
        return lastKey;
    }

    long lastLsn() {
        return lastLsn;
    }

    /** Size of the decoded body as it stands: entries, offset table and count. */
    int bodyBytes() {
        return length + entryCount * Integer.BYTES + Integer.BYTES;
    }

    /** Size the decoded body would have with an entry whose record encodes to {@code recordBytes} added. */
    long bodyBytesWith(int recordBytes) {
        return (long) bodyBytes() + LayerFormat.ENTRY_HEADER_BYTES + recordBytes + Integer.BYTES;
    }

    /** Appends an entry; the writer has checked the order. */
    void add(PageEntry entry) {
        ByteBuffer buffer = append(entry.key(), entry.lsn().value(), PageRecordCodec.encodedSize(entry.record()));
        PageRecordCodec.encode(entry.record(), buffer);
    }

    /**
     * Appends an entry whose record is already encoded ({@link PageRecordCodec}) in {@code record} at
     * {@code offset}; the writer has checked the order.
     */
    void addEncoded(Key key, long lsn, byte[] record, int offset, int length) {
        append(key, lsn, length).put(record, offset, length);
    }

    /** Writes an entry's key and LSN and returns a buffer over the {@code recordBytes} that follow them. */
    private ByteBuffer append(Key key, long lsn, int recordBytes) {
        int size = LayerFormat.ENTRY_HEADER_BYTES + recordBytes;
        if (length + size > body.length) {
            body = Arrays.copyOf(body, Math.max(body.length * 2, length + size));
        }
        if (entryCount == offsets.length) {
            offsets = Arrays.copyOf(offsets, offsets.length * 2);
        }
        ByteBuffer buffer = ByteBuffer.wrap(body, length, size);
        key.write(buffer);
        buffer.putLong(lsn);
        offsets[entryCount++] = length;
        length += size;
        if (firstKey == null) {
            firstKey = key;
            firstLsn = lsn;
        }
        lastKey = key;
        lastLsn = lsn;
        return buffer;
    }

    /**
     * Encodes the block for disk: header, payload (deflated with {@code deflater} when that makes it
     * smaller, raw otherwise) and checksum. Null {@code deflater} stores raw.
     */
    byte[] encode(Deflater deflater) {
        int bodyLength = bodyBytes();
        if (bodyLength > body.length) {
            body = Arrays.copyOf(body, bodyLength);
        }
        ByteBuffer table = ByteBuffer.wrap(body, length, bodyLength - length);
        for (int entry = 0; entry < entryCount; entry++) {
            table.putInt(offsets[entry]);
        }
        table.putInt(entryCount);
        int compressedLength = deflater == null ? -1 : deflate(deflater, bodyLength);
        boolean deflated = compressedLength >= 0 && compressedLength < bodyLength;
        int payloadLength = deflated ? compressedLength : bodyLength;
        byte[] stored = new byte[LayerFormat.BLOCK_HEADER_BYTES + payloadLength + LayerFormat.CHECKSUM_BYTES];
        ByteBuffer buffer = ByteBuffer.wrap(stored);
        buffer.put(deflated ? LayerFormat.BLOCK_DEFLATE : LayerFormat.BLOCK_RAW).putInt(bodyLength);
        buffer.put(deflated ? compressed : body, 0, payloadLength);
        buffer.putInt(LayerFormat.crc32c(stored, 0, buffer.position()));
        return stored;
    }

    /** Deflates the body into {@link #compressed}; returns the length, or -1 if it did not fit in the body's size. */
    private int deflate(Deflater deflater, int bodyLength) {
        if (compressed.length < bodyLength) {
            compressed = new byte[bodyLength];
        }
        deflater.reset();
        deflater.setInput(body, 0, bodyLength);
        deflater.finish();
        int compressedLength = 0;
        // Output that would not be smaller than the body is useless: give up when the buffer fills.
        while (!deflater.finished() && compressedLength < bodyLength) {
            int produced = deflater.deflate(compressed, compressedLength, bodyLength - compressedLength);
            if (produced == 0 && deflater.needsInput() && !deflater.finished()) {
                // Cannot happen after finish(); guards against a zlib that stalls rather than loop forever.
                return -1;
            }
            compressedLength += produced;
        }
        return deflater.finished() ? compressedLength : -1;
    }

    /** Empties the builder for the next block, keeping its buffers. */
    void reset() {
        length = 0;
        entryCount = 0;
        firstKey = null;
        lastKey = null;
        firstLsn = 0;
        lastLsn = 0;
    }
}
