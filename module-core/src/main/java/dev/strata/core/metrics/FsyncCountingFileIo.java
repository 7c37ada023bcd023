package dev.strata.core.metrics;

import com.codahale.metrics.Counter;
import dev.strata.core.io.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Opens channels through another {@link FileIo} and counts their {@code force()} calls: under
 * {@code strata.fsyncs.wal} for files in a {@code wal} directory, {@code strata.fsyncs.layer} otherwise.
 * Every other call goes to the underlying channel unchanged.
 */
final class FsyncCountingFileIo implements FileIo {
    private static final String WAL_DIRECTORY = "wal";

    private final FileIo delegate;
    private final Counter walFsyncs;
    private final Counter layerFsyncs;

    FsyncCountingFileIo(FileIo delegate, Counter walFsyncs, Counter layerFsyncs) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        this.walFsyncs = Objects.requireNonNull(walFsyncs, "walFsyncs is null");
        this.layerFsyncs = Objects.requireNonNull(layerFsyncs, "layerFsyncs is null");
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        Path parent = path.getParent();
        boolean wal = parent != null && parent.getFileName() != null && parent.getFileName().toString().equals(WAL_DIRECTORY);
        return new Counting(delegate.open(path, options), wal ? walFsyncs : layerFsyncs);
    }

    private static final class Counting extends FileChannel {
        private final FileChannel channel;
        private final Counter fsyncs;

        Counting(FileChannel channel, Counter fsyncs) {
            this.channel = channel;
            this.fsyncs = fsyncs;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            channel.force(metaData);
            fsyncs.inc();
        }

        @Override
        public int read(ByteBuffer destination) throws IOException {
            return channel.read(destination);
        }

        @Override
        public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
            return channel.read(destinations, offset, length);
        }

        @Override
        public int read(ByteBuffer destination, long position) throws IOException {
            return channel.read(destination, position);
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            return channel.write(source);
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            return channel.write(sources, offset, length);
        }

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            return channel.write(source, position);
        }

        @Override
        public long position() throws IOException {
            return channel.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            channel.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            channel.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return channel.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
            return channel.transferFrom(source, position, count);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return channel.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return channel.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return channel.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            channel.close();
        }
    }
}
