package dev.strata.backend.localfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * The metadata stored at the start of every object file, before the object's bytes. Keeping it in the same
 * file as the data (rather than in a second file beside it) means one rename replaces both together, so a
 * reader can never pair new bytes with an old ETag.
 *
 * <pre>
 * magic "SOB1" | etag length u8 | etag ASCII | content type length u16 | content type UTF-8
 *              | last modified epoch millis i64 | size i64 | object bytes...
 * </pre>
 */
record ObjectHeader(String etag, String contentType, Instant lastModified, long size) {
    private static final int MAGIC = 0x534F4231; // "SOB1"
    private static final int MAX_LENGTH = 4 + 1 + 255 + 2 + 65535 + 8 + 8;

    ObjectHeader {
        Objects.requireNonNull(etag, "etag is null");
        Objects.requireNonNull(contentType, "contentType is null");
        Objects.requireNonNull(lastModified, "lastModified is null");
        if (etag.length() > 255 || contentType.getBytes(StandardCharsets.UTF_8).length > 65535) {
            throw new IllegalArgumentException("etag or content type too long");
        }
    }

    /** The header length for an ETag and content type of these lengths. */
    static int length(int etagLength, String contentType) {
        return 4 + 1 + etagLength + 2 + contentType.getBytes(StandardCharsets.UTF_8).length + 8 + 8;
    }

    int length() {
        return length(etag.length(), contentType);
    }

    ByteBuffer encode() {
        byte[] etagBytes = etag.getBytes(StandardCharsets.US_ASCII);
        byte[] typeBytes = contentType.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(length());
        buffer.putInt(MAGIC).put((byte) etagBytes.length).put(etagBytes)
                .putShort((short) typeBytes.length).put(typeBytes)
                .putLong(lastModified.toEpochMilli()).putLong(size);
        return buffer.flip();
    }

    /** Reads the header at the start of {@code channel}; a damaged header or a size mismatch is an IOException. */
    static ObjectHeader read(FileChannel channel, String key) throws IOException {
        long fileSize = channel.size();
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(MAX_LENGTH, fileSize));
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, buffer.position()) < 0) {
                break;
            }
        }
        buffer.flip();
        try {
            if (buffer.getInt() != MAGIC) {
                throw new CorruptObjectException("object file of '" + key + "' has no valid header");
            }
            byte[] etagBytes = new byte[Byte.toUnsignedInt(buffer.get())];
            buffer.get(etagBytes);
            byte[] typeBytes = new byte[Short.toUnsignedInt(buffer.getShort())];
            buffer.get(typeBytes);
            Instant lastModified = Instant.ofEpochMilli(buffer.getLong());
            long size = buffer.getLong();
            ObjectHeader header = new ObjectHeader(new String(etagBytes, StandardCharsets.US_ASCII),
                    new String(typeBytes, StandardCharsets.UTF_8), lastModified, size);
            if (header.length() + size != fileSize) {
                throw new CorruptObjectException("object file of '" + key + "' holds " + (fileSize - header.length())
                        + " bytes but its header says " + size);
            }
            return header;
        } catch (java.nio.BufferUnderflowException e) {
            throw new CorruptObjectException("object file of '" + key + "' has a truncated header", e);
        }
    }
}
