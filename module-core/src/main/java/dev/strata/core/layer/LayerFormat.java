package dev.strata.core.layer;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of a layer file, format version 1. All integers are big-endian; a key is its 18 bytes
 * ({@link Key#write}), an LSN its unsigned 64-bit value.
 *
 * <pre>
 * offset 0            data block 0
 *                     data block 1
 *                     ...
 *                     data block n-1
 * indexOffset         block index      n x 68-byte entries, u32 CRC32C of those entries
 * summaryOffset       summary          76 bytes
 * fileSize - 40       trailer          40 bytes
 * </pre>
 *
 * <h2>Data block</h2>
 * <pre>
 * u8  encoding          0 = raw, 1 = raw Deflate (no zlib header)
 * u32 bodyLength        length of the decoded body
 * ... payload           the body, as is or deflated (its length follows from the block length in the index)
 * u32 CRC32C            of the encoding byte, bodyLength and payload
 * </pre>
 * The decoded body holds the entries, sorted by (key, LSN), followed by an offset table so that a reader
 * binary-searches a block by reading keys and LSNs at known positions, decoding only the records it returns:
 * <pre>
 * entry i               key (18 bytes), LSN (u64), record ({@link dev.strata.api.PageRecordCodec});
 *                       the record ends where entry i+1 (or the offset table) starts
 * u32 offset[i]         position of entry i in the body, for i in 0..count-1, ascending
 * u32 count             number of entries, at least 1
 * </pre>
 * A writer closes a block once its body reaches the target size; an entry larger than the target gets a
 * block of its own, so a block is never split inside an entry.
 *
 * <h2>Block index</h2>
 * One 68-byte entry per block, in file order (which is key order):
 * <pre>
 * first key (18), first LSN (u64), last key (18), last LSN (u64), offset (u64), length (u32), entry count (u32)
 * </pre>
 * Blocks are contiguous from offset 0 to {@code indexOffset}. Keeping the last (key, LSN) too lets a point
 * lookup skip a block that cannot hold the key without reading it: most lookups in a level-0 delta, which
 * covers every key, are for keys that it does not hold.
 *
 * <h2>Summary</h2>
 * <pre>
 * u32 magic "STLS", u16 format version, u8 kind (1 delta, 2 image), u8 flags (bit 0: compressed),
 * key start (18), key end (18), LSN start (u64), LSN end (u64, exclusive; image LSN + 1 for an image),
 * u64 entry count, u32 block count, u32 CRC32C of the preceding 72 bytes
 * </pre>
 *
 * <h2>Trailer</h2>
 * Fixed size, last in the file, so that a reader finds everything else from the file size alone:
 * <pre>
 * u64 indexOffset, u32 indexLength, u64 summaryOffset, u32 summaryLength, u16 format version,
 * u16 flags (0), u32 CRC32C of the preceding 28 bytes, u64 magic "STRATALY"
 * </pre>
 * Every byte of the file is covered by a checksum or compared against a constant, so a single damaged byte
 * is always detected, either when the file is opened (trailer, summary, index) or when its block is read.
 * The bytes depend only on the entries, the ranges and the options, never on time or randomness, so a
 * retried compaction produces an identical file that can be recognised and reused.
 */
final class LayerFormat {
    static final int FORMAT_VERSION = 1;
    static final long TRAILER_MAGIC = 0x5354524154414C59L;
    static final int SUMMARY_MAGIC = 0x53544C53;
    static final int TRAILER_BYTES = 40;
    static final int SUMMARY_BYTES = 76;
    static final int INDEX_ENTRY_BYTES = 2 * (Key.BYTES + Long.BYTES) + Long.BYTES + 2 * Integer.BYTES;
    static final int CHECKSUM_BYTES = Integer.BYTES;
    static final int BLOCK_HEADER_BYTES = 1 + Integer.BYTES;
    /** Smallest block on disk: header, an empty payload and the checksum. */
    static final int MIN_BLOCK_BYTES = BLOCK_HEADER_BYTES + CHECKSUM_BYTES;
    static final int ENTRY_HEADER_BYTES = Key.BYTES + Long.BYTES;
    static final byte BLOCK_RAW = 0;
    static final byte BLOCK_DEFLATE = 1;
    static final byte KIND_DELTA = 1;
    static final byte KIND_IMAGE = 2;
    static final int FLAG_COMPRESSED = 1;

    private LayerFormat() {}

    /** Where the index and summary are; decoded from, and checked against, the trailer. */
    record Trailer(long indexOffset, int indexLength, long summaryOffset, int summaryLength) {}

    static int crc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    static byte[] encodeTrailer(Trailer trailer) {
        ByteBuffer buffer = ByteBuffer.allocate(TRAILER_BYTES);
        buffer.putLong(trailer.indexOffset()).putInt(trailer.indexLength())
                .putLong(trailer.summaryOffset()).putInt(trailer.summaryLength())
                .putShort((short) FORMAT_VERSION).putShort((short) 0);
        buffer.putInt(crc32c(buffer.array(), 0, buffer.position()));
        buffer.putLong(TRAILER_MAGIC);
        return buffer.array();
    }

    /**
     * Decodes the trailer of a file of {@code fileSize} bytes and checks that the sections it points to lie
     * where version 1 puts them: index, then summary, then the trailer.
     */
    static Trailer decodeTrailer(Path path, long fileSize, byte[] bytes) throws CorruptLayerException {
        long offset = fileSize - TRAILER_BYTES;
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.getLong(TRAILER_BYTES - Long.BYTES) != TRAILER_MAGIC) {
            throw new CorruptLayerException(path, offset, "no layer trailer magic at the end of the file: truncated or not a layer file");
        }
        int stored = buffer.getInt(TRAILER_BYTES - Long.BYTES - CHECKSUM_BYTES);
        int computed = crc32c(bytes, 0, TRAILER_BYTES - Long.BYTES - CHECKSUM_BYTES);
        if (stored != computed) {
            throw checksumMismatch(path, offset, "trailer", stored, computed);
        }
        Trailer trailer = new Trailer(buffer.getLong(), buffer.getInt(), buffer.getLong(), buffer.getInt());
        int version = buffer.getShort() & 0xFFFF;
        int flags = buffer.getShort() & 0xFFFF;
        if (version != FORMAT_VERSION) {
            throw new CorruptLayerException(path, offset, "unsupported layer format version " + version
                    + " (this build reads version " + FORMAT_VERSION + ")");
        }
        if (flags != 0) {
            throw new CorruptLayerException(path, offset, "unknown trailer flags " + flags);
        }
        boolean consistent = trailer.indexOffset() >= 0 && trailer.indexLength() >= CHECKSUM_BYTES
                && trailer.indexLength() <= Integer.MAX_VALUE - SUMMARY_BYTES
                && (trailer.indexLength() - CHECKSUM_BYTES) % INDEX_ENTRY_BYTES == 0
                && trailer.summaryLength() == SUMMARY_BYTES
                && trailer.indexOffset() + trailer.indexLength() == trailer.summaryOffset()
                && trailer.summaryOffset() + trailer.summaryLength() == offset;
        if (!consistent) {
            throw new CorruptLayerException(path, offset, "trailer sections do not fit the file of " + fileSize
                    + " bytes: " + trailer);
        }
        return trailer;
    }

    static byte[] encodeSummary(LayerSummary summary) {
        ByteBuffer buffer = ByteBuffer.allocate(SUMMARY_BYTES);
        buffer.putInt(SUMMARY_MAGIC).putShort((short) summary.formatVersion())
                .put(summary.delta() ? KIND_DELTA : KIND_IMAGE)
                .put((byte) (summary.compressed() ? FLAG_COMPRESSED : 0));
        summary.keyStart().write(buffer);
        summary.keyEnd().write(buffer);
        buffer.putLong(summary.lsnStart().value()).putLong(summary.lsnEnd().value())
                .putLong(summary.entryCount()).putInt(summary.blockCount());
        buffer.putInt(crc32c(buffer.array(), 0, buffer.position()));
        return buffer.array();
    }

    static LayerSummary decodeSummary(Path path, long offset, byte[] bytes) throws CorruptLayerException {
        int stored = ByteBuffer.wrap(bytes).getInt(SUMMARY_BYTES - CHECKSUM_BYTES);
        int computed = crc32c(bytes, 0, SUMMARY_BYTES - CHECKSUM_BYTES);
        if (stored != computed) {
            throw checksumMismatch(path, offset, "summary", stored, computed);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try {
            if (buffer.getInt() != SUMMARY_MAGIC) {
                throw new CorruptLayerException(path, offset, "summary magic missing");
            }
            int version = buffer.getShort() & 0xFFFF;
            byte kind = buffer.get();
            int flags = buffer.get() & 0xFF;
            if (version != FORMAT_VERSION) {
                throw new CorruptLayerException(path, offset, "summary has format version " + version
                        + ", the trailer " + FORMAT_VERSION);
            }
            if (kind != KIND_DELTA && kind != KIND_IMAGE) {
                throw new CorruptLayerException(path, offset, "unknown layer kind " + kind);
            }
            if ((flags & ~FLAG_COMPRESSED) != 0) {
                throw new CorruptLayerException(path, offset, "unknown summary flags " + flags);
            }
            Key keyStart = Key.read(buffer);
            Key keyEnd = Key.read(buffer);
            Lsn lsnStart = Lsn.of(buffer.getLong());
            Lsn lsnEnd = Lsn.of(buffer.getLong());
            long entryCount = buffer.getLong();
            int blockCount = buffer.getInt();
            if (entryCount < 0 || blockCount < 0) {
                throw new CorruptLayerException(path, offset, "negative counts: " + entryCount + " entries, "
                        + blockCount + " blocks");
            }
            return new LayerSummary(version, kind == KIND_DELTA, keyStart, keyEnd, lsnStart, lsnEnd, entryCount,
                    blockCount, (flags & FLAG_COMPRESSED) != 0);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptLayerException(path, offset, "summary does not decode: " + e.getMessage(), e);
        }
    }

    static CorruptLayerException checksumMismatch(Path path, long offset, String section, int stored, int computed) {
        return new CorruptLayerException(path, offset, section + " checksum mismatch: stored CRC32C "
                + Integer.toHexString(stored) + ", computed " + Integer.toHexString(computed));
    }
}
