package dev.strata.core.index;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * Decodes the byte-array form of an index's timeline metadata, which writers of index versions 1 to 6 stored
 * in {@code metadata_bytes}: a fixed 512-byte block holding a header and a big-endian binary body.
 *
 * <pre>
 * header: checksum u32 (CRC-32C of the body), size u16 (header + body), format_version u16
 * body (format 4): disk_consistent_lsn u64, prev_record_lsn option&lt;u64&gt;, ancestor_timeline option&lt;16 bytes&gt;,
 *                  ancestor_lsn u64, latest_gc_cutoff_lsn u64, initdb_lsn u64, pg_version u32
 * body (format 3): the same without pg_version, which is then 14
 * option&lt;T&gt;: one tag byte, 0 (absent) or 1 (followed by T); the rest of the block is zero padding
 * </pre>
 *
 * The block is decoded rather than kept opaque because it is the only place such an index names the
 * timeline's ancestor: an index read without it would turn a branch into a root timeline.
 */
final class LegacyMetadataBytes {
    static final int BLOCK_SIZE = 512;
    static final int HEADER_SIZE = 8;
    static final int FORMAT_VERSION = 4;
    static final int OLD_FORMAT_VERSION = 3;
    /** Timelines written in the old format all had PostgreSQL 14. */
    static final int OLD_FORMAT_PG_VERSION = 14;

    private LegacyMetadataBytes() {}

    /**
     * Decodes the array {@code node} of the index field {@code field}.
     *
     * @param diskConsistentLsn the index's top-level LSN, which stands for the timeline's disk-consistent LSN
     * @throws InvalidIndexException naming the field and what is wrong with the block
     */
    static TimelineMetadata decode(String field, JsonNode node, Lsn diskConsistentLsn) throws InvalidIndexException {
        byte[] block = bytes(field, node);
        ByteBuffer buffer = ByteBuffer.wrap(block);
        long checksum = Integer.toUnsignedLong(buffer.getInt());
        int size = Short.toUnsignedInt(buffer.getShort());
        int format = Short.toUnsignedInt(buffer.getShort());
        if (size < HEADER_SIZE || size > BLOCK_SIZE) {
            throw new InvalidIndexException("index field " + field + ": size " + size + " in the header is not between "
                    + HEADER_SIZE + " and " + BLOCK_SIZE);
        }
        CRC32C crc = new CRC32C();
        crc.update(block, HEADER_SIZE, size - HEADER_SIZE);
        if (crc.getValue() != checksum) {
            throw new InvalidIndexException("index field " + field + ": checksum " + Long.toHexString(checksum)
                    + " does not match the body's CRC-32C " + Long.toHexString(crc.getValue()));
        }
        if (format != FORMAT_VERSION && format != OLD_FORMAT_VERSION) {
            throw new InvalidIndexException("index field " + field + ": format version " + format + " is not "
                    + OLD_FORMAT_VERSION + " or " + FORMAT_VERSION);
        }
        ByteBuffer body = ByteBuffer.wrap(block, HEADER_SIZE, size - HEADER_SIZE).slice();
        try {
            body.getLong(); // the body's own disk_consistent_lsn; the top-level copy stands (FORMATS.md)
            Lsn prevRecordLsn = present(field, "prev_record_lsn", body) ? Lsn.of(body.getLong()) : null;
            TimelineId ancestor = null;
            if (present(field, "ancestor_timeline", body)) {
                byte[] id = new byte[16];
                body.get(id);
                ancestor = TimelineId.parse(HexFormat.of().formatHex(id));
            }
            Lsn ancestorLsn = Lsn.of(body.getLong());
            Lsn gcCutoff = Lsn.of(body.getLong());
            Lsn initdbLsn = Lsn.of(body.getLong());
            int pgVersion = format == FORMAT_VERSION ? body.getInt() : OLD_FORMAT_PG_VERSION;
            if (pgVersion < 0) {
                throw new InvalidIndexException("index field " + field + ": pg_version " + Integer.toUnsignedString(pgVersion)
                        + " is out of range");
            }
            return new TimelineMetadata(diskConsistentLsn, prevRecordLsn, ancestor, ancestorLsn, gcCutoff, initdbLsn,
                    pgVersion);
        } catch (BufferUnderflowException e) {
            throw new InvalidIndexException("index field " + field + ": the body of " + (size - HEADER_SIZE)
                    + " bytes ends before the format " + format + " fields do", e);
        }
    }

    private static byte[] bytes(String field, JsonNode node) throws InvalidIndexException {
        if (node.size() != BLOCK_SIZE) {
            throw new InvalidIndexException("index field " + field + " has " + node.size() + " bytes, not " + BLOCK_SIZE);
        }
        byte[] block = new byte[BLOCK_SIZE];
        for (int i = 0; i < BLOCK_SIZE; i++) {
            JsonNode element = node.get(i);
            if (!element.isIntegralNumber() || element.bigIntegerValue().signum() < 0
                    || element.bigIntegerValue().bitLength() > 8) {
                throw new InvalidIndexException("index field " + field + "[" + i + "] is not a byte: " + element);
            }
            block[i] = (byte) element.intValue();
        }
        return block;
    }

    private static boolean present(String field, String name, ByteBuffer body) throws InvalidIndexException {
        byte tag = body.get();
        return switch (tag) {
            case 0 -> false;
            case 1 -> true;
            default -> throw new InvalidIndexException("index field " + field + ": option tag " + tag + " of " + name
                    + " is not 0 or 1");
        };
    }
}
