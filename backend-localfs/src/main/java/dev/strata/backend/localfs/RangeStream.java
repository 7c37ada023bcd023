package dev.strata.backend.localfs;

import dev.strata.api.remote.CallContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * Reads {@code length} bytes of an open object file from {@code position}, checking the caller's cancellation
 * and deadline before every read. The open channel pins the version that was opened: a put that replaces the
 * object renames a new file over the name and leaves this one readable.
 */
final class RangeStream extends InputStream {
    private final FileChannel channel;
    private final String key;
    private final CallContext context;
    private long position;
    private long remaining;

    RangeStream(FileChannel channel, long position, long length, String key, CallContext context) {
        this.channel = Objects.requireNonNull(channel, "channel is null");
        this.key = Objects.requireNonNull(key, "key is null");
        this.context = Objects.requireNonNull(context, "context is null");
        this.position = position;
        this.remaining = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read < 0 ? -1 : Byte.toUnsignedInt(one[0]);
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (remaining == 0) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        context.check("get", key);
        ByteBuffer target = ByteBuffer.wrap(buffer, offset, (int) Math.min(length, remaining));
        int read;
        try {
            read = channel.read(target, position);
        } catch (IOException e) {
            throw LocalFsStorage.classify("get", key, e);
        }
        if (read < 0) {
            throw new CorruptObjectException("object file of '" + key + "' ended " + remaining + " bytes early");
        }
        position += read;
        remaining -= read;
        return read;
    }

    @Override
    public long skip(long n) {
        long skipped = Math.max(0, Math.min(n, remaining));
        position += skipped;
        remaining -= skipped;
        return skipped;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
