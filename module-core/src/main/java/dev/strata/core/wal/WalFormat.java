package dev.strata.core.wal;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.page.PageEntry;
import dev.strata.api.PageRecordCodec;
import dev.strata.core.page.PageWrite;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The bytes of WAL segments. Big-endian throughout.
 *
 * <pre>
 * segment file  &lt;start LSN:016X&gt;.wal
 *   header      u32 magic "SWAL", u32 format version (1), u64 start LSN, u32 CRC32C of the 16 bytes before it
 *   frames      back to back, up to the segment size; after the last frame, possibly stale bytes of the file's
 *               earlier use as another segment (see spare files below)
 * frame
 *   u32 payload length
 *   u32 CRC32C over (frame start LSN as u64, payload)
 *   payload     u32 record count, then per record: u32 length of the record bytes, key (18 bytes),
 *               record bytes ({@link PageRecordCodec})
 * </pre>
 *
 * <p>The LSN of a byte is the segment's start LSN plus its offset after the header. A frame starting at LSN
 * {@code s} ends at {@code s + 8 + payload length}; record {@code i} has LSN {@code s + 8 + end offset of record i
 * in the payload}, so the last record's LSN is the frame end. The CRC covers the frame's start LSN so that stale
 * bytes from an earlier incarnation of a file never pass as a frame at a different position.
 *
 * <p>A spare file, {@code <start LSN:016X>.wal.spare}, is a trimmed segment kept to be written again as a later
 * segment: its header is rewritten for the new start LSN and it is renamed into place. Its old frames then sit at
 * LSNs they never had, so their CRCs fail and reading stops at the first of them, like at a torn tail. A closed
 * segment is cut to its last frame before the next segment is created, so only the open segment holds stale
 * bytes.
 */
final class WalFormat {
    static final int MAGIC = 0x5357414C; // "SWAL"
    static final int VERSION = 1;
    static final int HEADER_BYTES = 20;
    static final int FRAME_HEADER_BYTES = 8;
    static final int RECORD_HEADER_BYTES = 4 + Key.BYTES;
    /** The smallest record encoding ({@code Init}, or an empty image) is 5 bytes. */
    static final int MIN_PAYLOAD_BYTES = 4 + RECORD_HEADER_BYTES + 5;
    static final String SEGMENT_SUFFIX = ".wal";
    static final String SPARE_SUFFIX = ".spare";
    private static final int SEGMENT_NAME_LENGTH = 16 + SEGMENT_SUFFIX.length();

    private WalFormat() {}

    static String segmentFileName(Lsn start) {
        return start.toFileName() + SEGMENT_SUFFIX;
    }

    /** The name a trimmed segment that started at {@code start} has while it waits to be reused. */
    static String spareFileName(Lsn start) {
        return segmentFileName(start) + SPARE_SUFFIX;
    }

    /** Whether {@code name} is exactly {@code <16 hex>.wal.spare}. */
    static boolean isSpareFileName(String name) {
        return name.endsWith(SPARE_SUFFIX)
                && parseSegmentFileName(name.substring(0, name.length() - SPARE_SUFFIX.length())) != null;
    }

    /** The start LSN named by a segment file name, or null when the name is not exactly {@code <16 hex>.wal}. */
    static Lsn parseSegmentFileName(String name) {
        if (name.length() != SEGMENT_NAME_LENGTH || !name.endsWith(SEGMENT_SUFFIX)) {
            return null;
        }
        for (int i = 0; i < 16; i++) {
            char c = name.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'F')) {
                return null;
            }
        }
        return Lsn.of(Long.parseUnsignedLong(name, 0, 16, 16));
    }

    static ByteBuffer encodeHeader(Lsn start) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putInt(MAGIC).putInt(VERSION).putLong(start.value());
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 16);
        header.putInt((int) crc.getValue());
        return header.flip();
    }

    /**
     * Checks a segment header read from {@code path}.
     *
     * @throws CorruptWalException at offset 0 when the magic, version, CRC or start LSN is wrong
     */
    static void checkHeader(ByteBuffer header, Path path, Lsn expectedStart) throws CorruptWalException {
        int magic = header.getInt(0);
        if (magic != MAGIC) {
            throw new CorruptWalException(path, 0, String.format("bad magic 0x%08X, expected 0x%08X", magic, MAGIC));
        }
        CRC32C crc = new CRC32C();
        crc.update(header.array(), header.arrayOffset(), 16);
        if ((int) crc.getValue() != header.getInt(16)) {
            throw new CorruptWalException(path, 0, "header CRC32C mismatch");
        }
        int version = header.getInt(4);
        if (version != VERSION) {
            throw new CorruptWalException(path, 0, "unsupported WAL format version " + version + ", this build reads "
                    + VERSION);
        }
        Lsn start = Lsn.of(header.getLong(8));
        if (!start.equals(expectedStart)) {
            throw new CorruptWalException(path, 0, "header start LSN " + start + " differs from the file name's "
                    + expectedStart);
        }
    }

    /** Payload size of a batch, as a long so that an absurd batch is measured, not overflowed. */
    static long payloadBytes(List<PageWrite> batch) {
        long bytes = 4;
        for (PageWrite write : batch) {
            bytes += RECORD_HEADER_BYTES + PageRecordCodec.encodedSize(write.record());
        }
        return bytes;
    }

    /**
     * Encodes a whole frame at {@code frameStart} into {@code out} (position 0, exactly the frame's size remaining)
     * and returns the LSN of each record. {@code out} is flipped, ready to write.
     */
    static List<Lsn> encodeFrame(List<PageWrite> batch, long frameStart, ByteBuffer out, CRC32C crc) {
        int payloadBytes = out.remaining() - FRAME_HEADER_BYTES;
        // Record LSNs count from the frame start: frame header bytes come first, then the payload.
        long payloadStartLsn = frameStart + FRAME_HEADER_BYTES;
        List<Lsn> lsns = new ArrayList<>(batch.size());
        out.putInt(payloadBytes).putInt(0).putInt(batch.size());
        for (PageWrite write : batch) {
            int recordBytes = PageRecordCodec.encodedSize(write.record());
            out.putInt(recordBytes);
            write.key().write(out);
            int recordStart = out.position();
            PageRecordCodec.encode(write.record(), out);
            if (out.position() - recordStart != recordBytes) {
                throw new IllegalStateException("PageRecordCodec wrote " + (out.position() - recordStart)
                        + " bytes for " + write.record() + " but measured " + recordBytes);
            }
            lsns.add(Lsn.of(payloadStartLsn + out.position() - FRAME_HEADER_BYTES));
        }
        if (out.hasRemaining()) {
            throw new IllegalStateException("frame encoding left " + out.remaining() + " bytes unused");
        }
        out.flip();
        out.putInt(4, frameCrc(frameStart, out.slice(FRAME_HEADER_BYTES, payloadBytes), crc));
        return lsns;
    }

    /** CRC32C over the frame start LSN and the payload; leaves {@code payload}'s position unchanged. */
    static int frameCrc(long frameStart, ByteBuffer payload, CRC32C crc) {
        crc.reset();
        for (int shift = 56; shift >= 0; shift -= 8) {
            crc.update((int) (frameStart >>> shift));
        }
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }

    /**
     * Decodes the payload of a frame that passed its CRC check.
     *
     * @throws CorruptWalException naming {@code path} and the frame's {@code offset} when the payload does not
     *                             parse: the CRC matched, so this is a format mismatch or a bug, never a torn write
     */
    static List<PageEntry> decodePayload(ByteBuffer payload, long frameStart, Path path, long offset)
            throws CorruptWalException {
        ByteBuffer in = payload.duplicate();
        int payloadStart = in.position();
        try {
            int count = in.getInt();
            if (count <= 0 || (long) count * (RECORD_HEADER_BYTES + 5) > in.remaining()) {
                throw new CorruptWalException(path, offset, "frame claims " + Integer.toUnsignedString(count)
                        + " records in a " + (in.remaining() + 4) + "-byte payload");
            }
            List<PageEntry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int recordBytes = in.getInt();
                Key key = Key.read(in);
                if (recordBytes < 0 || recordBytes > in.remaining()) {
                    throw new CorruptWalException(path, offset, "record " + i + " claims "
                            + Integer.toUnsignedString(recordBytes) + " bytes, only " + in.remaining() + " remain");
                }
                ByteBuffer recordBuffer = in.slice(in.position(), recordBytes);
                PageRecord record = PageRecordCodec.decode(recordBuffer);
                if (recordBuffer.hasRemaining()) {
                    throw new CorruptWalException(path, offset, "record " + i + " decodes in fewer than its "
                            + recordBytes + " bytes");
                }
                in.position(in.position() + recordBytes);
                long lsn = frameStart + FRAME_HEADER_BYTES + (in.position() - payloadStart);
                entries.add(new PageEntry(key, Lsn.of(lsn), record));
            }
            if (in.hasRemaining()) {
                throw new CorruptWalException(path, offset, in.remaining() + " bytes follow the last record");
            }
            return entries;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            // IllegalArgumentException covers the codec's own checks and InvalidInputException from value types.
            CorruptWalException corrupt = new CorruptWalException(path, offset, "frame payload does not decode: " + e);
            corrupt.initCause(e);
            throw corrupt;
        }
    }
}
