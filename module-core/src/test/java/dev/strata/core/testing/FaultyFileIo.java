package dev.strata.core.testing;

import static java.util.Objects.requireNonNull;

import dev.strata.core.io.FileIo;
import dev.strata.core.io.ForwardingFileChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link FileIo} that injects the failures a real disk produces, to prove that every failure path cleans
 * up after itself. Faults are configured on the instance and apply to every channel it opened, including
 * channels already open; {@link #heal()} clears them.
 *
 * <ul>
 *   <li>{@link #failWritesAfter}: the first {@code n} bytes written through this instance (all channels
 *       together) succeed; the write that crosses the limit is short (as a real disk-full write is) and the
 *       next one throws {@code IOException(message)}, for example "No space left on device".</li>
 *   <li>{@link #failForce}: every {@code force} throws, as an fsync that reports a lost write does.</li>
 *   <li>{@link #failOpen}: opening throws.</li>
 * </ul>
 *
 * It also tracks open channels with the stack that opened them, so a test can assert that no handle leaked
 * ({@link #assertAllClosed()}). Writes through a memory mapping bypass the write limit. Thread-safe.
 */
public final class FaultyFileIo implements FileIo {
    private final FileIo delegate;
    private final Map<FaultyChannel, Throwable> openChannels = new ConcurrentHashMap<>();
    private final List<Path> openedPaths = new ArrayList<>();
    private long bytesWritten;
    private long writeLimit = Long.MAX_VALUE;
    private String writeMessage;
    private String forceMessage;
    private String openMessage;

    /** Wraps {@link FileIo#DEFAULT}. */
    public FaultyFileIo() {
        this(FileIo.DEFAULT);
    }

    public FaultyFileIo(FileIo delegate) {
        this.delegate = requireNonNull(delegate, "delegate is null");
    }

    /**
     * Lets the first {@code bytes} bytes written through this instance (counted since it was created) succeed;
     * later writes fail with {@code IOException(message)}.
     */
    public synchronized FaultyFileIo failWritesAfter(long bytes, String message) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes is negative: " + bytes);
        }
        this.writeLimit = bytes;
        this.writeMessage = requireNonNull(message, "message is null");
        return this;
    }

    /** Makes every {@code force} fail with {@code message}. */
    public synchronized FaultyFileIo failForce(String message) {
        this.forceMessage = requireNonNull(message, "message is null");
        return this;
    }

    /** Makes every {@code open} fail with {@code message}. */
    public synchronized FaultyFileIo failOpen(String message) {
        this.openMessage = requireNonNull(message, "message is null");
        return this;
    }

    /** Clears every configured fault; the byte count keeps running. */
    public synchronized FaultyFileIo heal() {
        writeLimit = Long.MAX_VALUE;
        writeMessage = null;
        forceMessage = null;
        openMessage = null;
        return this;
    }

    /** Bytes written through this instance so far. */
    public synchronized long bytesWritten() {
        return bytesWritten;
    }

    /** Every path opened, in order. */
    public synchronized List<Path> openedPaths() {
        return List.copyOf(openedPaths);
    }

    public int openChannelCount() {
        return openChannels.size();
    }

    /** Throws an {@link AssertionError}, caused by the stack that opened it, if any channel is still open. */
    public void assertAllClosed() {
        for (Map.Entry<FaultyChannel, Throwable> open : openChannels.entrySet()) {
            throw new AssertionError(openChannels.size() + " channel(s) still open, one of them "
                    + open.getKey().path, open.getValue());
        }
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        synchronized (this) {
            if (openMessage != null) {
                throw new IOException(openMessage);
            }
            openedPaths.add(path);
        }
        FaultyChannel channel = new FaultyChannel(this, path, delegate.open(path, options));
        openChannels.put(channel, new Throwable("channel for " + path + " opened here"));
        return channel;
    }

    /** Reserves up to {@code requested} bytes of the write budget; throws when it is exhausted. */
    private synchronized int reserve(int requested) throws IOException {
        if (requested == 0) {
            return 0;
        }
        long remaining = writeLimit - bytesWritten;
        if (remaining <= 0) {
            throw new IOException(writeMessage);
        }
        int allowed = (int) Math.min(requested, remaining);
        bytesWritten += allowed;
        return allowed;
    }

    /** Returns the part of a reservation that the underlying write did not use. */
    private synchronized void release(long unused) {
        bytesWritten -= unused;
    }

    private synchronized void checkForce() throws IOException {
        if (forceMessage != null) {
            throw new IOException(forceMessage);
        }
    }

    private static final class FaultyChannel extends ForwardingFileChannel {
        private final FaultyFileIo io;
        private final Path path;

        FaultyChannel(FaultyFileIo io, Path path, FileChannel delegate) {
            super(delegate);
            this.io = io;
            this.path = path;
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            return limitedWrite(source, -1);
        }

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            return limitedWrite(source, position);
        }

        /** Writes at most the remaining budget; {@code position} -1 means the channel's position. */
        private int limitedWrite(ByteBuffer source, long position) throws IOException {
            int allowed = io.reserve(source.remaining());
            int limit = source.limit();
            int written = 0;
            try {
                source.limit(source.position() + allowed);
                written = position < 0 ? delegate.write(source) : delegate.write(source, position);
                return written;
            } finally {
                source.limit(limit);
                io.release(allowed - written);
            }
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer source = sources[i];
                if (!source.hasRemaining()) {
                    continue;
                }
                try {
                    total += write(source);
                } catch (IOException e) {
                    if (total == 0) {
                        throw e;
                    }
                    // As the OS does: report the bytes that made it; the next call sees the error.
                    return total;
                }
                if (source.hasRemaining()) {
                    break;
                }
            }
            return total;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            io.checkForce();
            delegate.force(metaData);
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
            int allowed = io.reserve((int) Math.min(count, Integer.MAX_VALUE));
            long transferred = 0;
            try {
                transferred = delegate.transferFrom(source, position, allowed);
                return transferred;
            } finally {
                io.release(allowed - transferred);
            }
        }

        @Override
        protected void implCloseChannel() throws IOException {
            io.openChannels.remove(this);
            delegate.close();
        }
    }
}
