package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Lsn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads the frames of one segment in order, checking each frame's length and CRC32C, up to a limit offset.
 *
 * <p>{@link #next()} returns null at the first byte that does not start a valid frame; {@link #problem()} then
 * says whether that was the clean end (the limit) or what was wrong, and {@link #validEnd()} where it happened.
 * Whether a problem is a torn tail or corruption is the caller's decision: only the caller knows whether this is
 * the last segment. The payload buffer is reused, so a frame is valid until the next call.
 */
final class SegmentReader {
    private static final int INITIAL_BUFFER_BYTES = 64 << 10;

    private final Path path;
    private final FileChannel channel;
    private final Lsn start;
    private final long limit;
    private final ByteBuffer frameHeader = ByteBuffer.allocate(WalFormat.FRAME_HEADER_BYTES);
    private final CRC32C crc = new CRC32C();
    private ByteBuffer payload = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);
    private long offset = WalFormat.HEADER_BYTES;
    private String problem;

    /** One verified frame: its offset in the file, its LSN range and its payload. */
    record Frame(long offset, Lsn start, Lsn end, ByteBuffer payload) {}

    /**
     * Checks the header of the segment open on {@code channel} and prepares to read frames up to {@code limit}
     * (a file offset; the file size when scanning everything).
     *
     * @throws CorruptWalException when the file is shorter than a header or the header is wrong
     */
    SegmentReader(Path path, FileChannel channel, Lsn start, long limit) throws IOException {
        this.path = requireNonNull(path, "path is null");
        this.channel = requireNonNull(channel, "channel is null");
        this.start = requireNonNull(start, "start is null");
        this.limit = limit;
        ByteBuffer header = ByteBuffer.allocate(WalFormat.HEADER_BYTES);
        if (!readFully(header, 0)) {
            throw new CorruptWalException(path, 0, "file of " + channel.size() + " bytes is shorter than the "
                    + WalFormat.HEADER_BYTES + "-byte segment header");
        }
        WalFormat.checkHeader(header, path, start);
    }

    /** The next verified frame, or null at the limit or at the first invalid byte (see {@link #problem()}). */
    Frame next() throws IOException {
        if (problem != null || offset == limit) {
            return null;
        }
        long remaining = limit - offset;
        if (remaining < WalFormat.FRAME_HEADER_BYTES) {
            return invalid(remaining + " bytes left, fewer than a frame header");
        }
        frameHeader.clear();
        if (!readFully(frameHeader, offset)) {
            return invalid("file ends inside a frame header");
        }
        long payloadBytes = Integer.toUnsignedLong(frameHeader.getInt(0));
        int expectedCrc = frameHeader.getInt(4);
        if (payloadBytes < WalFormat.MIN_PAYLOAD_BYTES) {
            return invalid("payload length " + payloadBytes + " is below the minimum of " + WalFormat.MIN_PAYLOAD_BYTES);
        }
        if (payloadBytes > remaining - WalFormat.FRAME_HEADER_BYTES) {
            return invalid("payload length " + payloadBytes + " runs past the end at offset " + limit);
        }
        ByteBuffer buffer = payloadBuffer((int) payloadBytes);
        if (!readFully(buffer, offset + WalFormat.FRAME_HEADER_BYTES)) {
            return invalid("file ends inside the frame payload");
        }
        buffer.flip();
        long frameStart = lsnAt(offset);
        if (WalFormat.frameCrc(frameStart, buffer, crc) != expectedCrc) {
            return invalid("frame CRC32C mismatch");
        }
        long frameEnd = frameStart + WalFormat.FRAME_HEADER_BYTES + payloadBytes;
        Frame frame = new Frame(offset, Lsn.of(frameStart), Lsn.of(frameEnd), buffer);
        offset += WalFormat.FRAME_HEADER_BYTES + payloadBytes;
        return frame;
    }

    /** Null when reading stopped at the limit; otherwise why the bytes at {@link #validEnd()} are not a frame. */
    String problem() {
        return problem;
    }

    /** File offset just after the last valid frame read so far. */
    long validEnd() {
        return offset;
    }

    /** The LSN of the byte at {@code fileOffset} of this segment. */
    long lsnAt(long fileOffset) {
        return start.value() + (fileOffset - WalFormat.HEADER_BYTES);
    }

    private Frame invalid(String reason) {
        problem = reason;
        return null;
    }

    private ByteBuffer payloadBuffer(int bytes) {
        if (payload.capacity() < bytes) {
            payload = ByteBuffer.allocate(Math.max(bytes, payload.capacity() * 2));
        }
        return payload.clear().limit(bytes);
    }

    /** Fills the buffer from {@code position}; false when the file ends first. */
    private boolean readFully(ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                return false;
            }
            at += read;
        }
        return true;
    }
}
