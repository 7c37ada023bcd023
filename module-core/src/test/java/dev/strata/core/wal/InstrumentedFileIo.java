package dev.strata.core.wal;

import dev.strata.core.io.ForwardingFileChannel;
import static java.util.Objects.requireNonNull;

import dev.strata.core.io.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link FileIo} for WAL tests: counts {@code force()} calls, can slow them down (so that concurrent waiters
 * pile up behind one syncer), can make forces or writes fail, and can simulate a power loss that drops what was
 * written after each file's last force. Every channel it opens delegates to a real one.
 */
final class InstrumentedFileIo implements FileIo {
    private final AtomicInteger forces = new AtomicInteger();
    private final AtomicReference<Duration> forceDelay = new AtomicReference<>(Duration.ZERO);
    private final AtomicBoolean failForces = new AtomicBoolean();
    private final AtomicBoolean failWrites = new AtomicBoolean();
    private final AtomicReference<ForceGate> nextForceGate = new AtomicReference<>();
    /** Per file, the size at its last force: what a power loss keeps at least (files are only appended). */
    private final Map<Path, Long> durableSizes = new ConcurrentHashMap<>();
    private final Set<InstrumentedChannel> openChannels = ConcurrentHashMap.newKeySet();
    /**
     * Per file (by its file key, which a rename keeps), the bytes that writes since its last force replaced,
     * oldest first: what a power loss may bring back.
     */
    private final Map<Object, List<Overwrite>> overwrites = new ConcurrentHashMap<>();
    /** The directories of the files opened, where a power loss looks for the files by their keys. */
    private final Set<Path> directories = ConcurrentHashMap.newKeySet();

    /** Bytes of a file as they were before an unforced write replaced them. */
    private record Overwrite(long position, byte[] previous) {}

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        FileChannel delegate = FileChannel.open(path, options);
        // A file first seen here was made durable by whoever wrote it before (a segment header is forced in its
        // temp file, then renamed).
        durableSizes.putIfAbsent(path, delegate.size());
        directories.add(path.toAbsolutePath().getParent());
        InstrumentedChannel channel = new InstrumentedChannel(path, fileKey(path), delegate);
        openChannels.add(channel);
        return channel;
    }

    /**
     * Simulates a power loss: closes every open channel without forcing; brings back, newest first, all, none or a
     * random range of the bytes that each unforced write over existing bytes replaced; then cuts each file back
     * to its size at its last force plus a random part of what was written since (the kernel may have written
     * some of it). Afterwards every file counts as durable as it is.
     */
    void crash(Random random) throws IOException {
        for (InstrumentedChannel channel : List.copyOf(openChannels)) {
            channel.closeWithoutBookkeeping();
        }
        openChannels.clear();
        for (Path directory : directories) {
            if (!Files.isDirectory(directory)) {
                continue;
            }
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    List<Overwrite> writes = Files.isRegularFile(file) ? overwrites.get(fileKey(file)) : null;
                    if (writes != null) {
                        revert(file, writes, random);
                    }
                }
            }
        }
        overwrites.clear();
        for (Map.Entry<Path, Long> entry : durableSizes.entrySet()) {
            Path path = entry.getKey();
            if (!Files.exists(path)) {
                continue;
            }
            long size = Files.size(path);
            long durable = entry.getValue();
            if (size > durable) {
                long kept = durable + random.nextLong(size - durable + 1);
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    channel.truncate(kept);
                }
            }
        }
        durableSizes.clear();
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    private static void revert(Path path, List<Overwrite> writes, Random random) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            long size = channel.size();
            for (Overwrite write : writes.reversed()) {
                int length = write.previous().length;
                int from = 0;
                int to = switch (random.nextInt(3)) {
                    case 0 -> 0;
                    case 1 -> length;
                    default -> {
                        from = random.nextInt(length);
                        yield from + 1 + random.nextInt(length - from);
                    }
                };
                long end = Math.min(write.position() + to, size);
                if (write.position() + from < end) {
                    ByteBuffer old = ByteBuffer.wrap(write.previous(), from, (int) (end - write.position() - from));
                    long at = write.position() + from;
                    while (old.hasRemaining()) {
                        at += channel.write(old, at);
                    }
                }
            }
        }
    }

    /** Number of {@code force()} calls that reached the disk so far. */
    int forces() {
        return forces.get();
    }

    void forceDelay(Duration delay) {
        forceDelay.set(requireNonNull(delay, "delay is null"));
    }

    /** Makes the next force wait, after it started, until the returned gate is opened. */
    ForceGate holdNextForce() {
        ForceGate gate = new ForceGate();
        nextForceGate.set(gate);
        return gate;
    }

    /** Holds one force: {@link #awaitEntered()} until it has started, {@link #open()} to let it go on. */
    static final class ForceGate {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch opened = new CountDownLatch(1);

        void awaitEntered() throws InterruptedException {
            if (!entered.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("no force started within 30 s");
            }
        }

        void open() {
            opened.countDown();
        }

        private void pass() throws IOException {
            entered.countDown();
            try {
                if (!opened.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("force gate not opened within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted at a force gate", e);
            }
        }
    }

    /** From now on every force throws, as a disk that reports EIO on fsync does. */
    void failForces(boolean fail) {
        failForces.set(fail);
    }

    /** From now on every write throws, as a full disk does. */
    void failWrites(boolean fail) {
        failWrites.set(fail);
    }

    private final class InstrumentedChannel extends ForwardingFileChannel {
        private final Path path;
        private final Object fileKey;

        InstrumentedChannel(Path path, Object fileKey, FileChannel delegate) {
            super(delegate);
            this.path = path;
            this.fileKey = fileKey;
        }

        /** Closes the file as a power loss would: no force, none of this channel's close bookkeeping. */
        void closeWithoutBookkeeping() throws IOException {
            delegate.close();
        }

        @Override
        public void force(boolean metaData) throws IOException {
            ForceGate gate = nextForceGate.getAndSet(null);
            if (gate != null) {
                gate.pass();
            }
            Duration delay = forceDelay.get();
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted in an injected force delay", e);
                }
            }
            if (failForces.get()) {
                throw new IOException("injected fsync failure (EIO)");
            }
            long size = delegate.size();
            List<Overwrite> pending = overwrites.get(fileKey);
            int replaced = pending == null ? 0 : pending.size();
            delegate.force(metaData);
            // Concurrent forces may finish out of order; each makes at least its starting size durable.
            durableSizes.merge(path, size, Math::max);
            if (pending != null) {
                synchronized (pending) {
                    pending.subList(0, Math.min(replaced, pending.size())).clear();
                }
            }
            forces.incrementAndGet();
        }

        private void checkWrite() throws IOException {
            if (failWrites.get()) {
                throw new IOException("injected write failure (ENOSPC)");
            }
        }

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            checkWrite();
            long overlap = Math.min(source.remaining(), delegate.size() - position);
            if (overlap > 0) {
                ByteBuffer previous = ByteBuffer.allocate((int) overlap);
                // The WAL's channels may be write-only: read the old bytes through one of our own.
                try (FileChannel reader = FileChannel.open(path, StandardOpenOption.READ)) {
                    while (previous.hasRemaining() && reader.read(previous, position + previous.position()) > 0) {
                        // Reads until the overlap is filled or the file ends.
                    }
                }
                if (previous.position() > 0) {
                    overwrites.computeIfAbsent(fileKey, ignored -> Collections.synchronizedList(new ArrayList<>()))
                            .add(new Overwrite(position, Arrays.copyOf(previous.array(), previous.position())));
                }
            }
            return delegate.write(source, position);
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            checkWrite();
            return delegate.write(source);
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            checkWrite();
            return delegate.write(sources, offset, length);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            durableSizes.computeIfPresent(path, (ignored, durable) -> Math.min(durable, size));
            return this;
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
            checkWrite();
            return delegate.transferFrom(source, position, count);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            openChannels.remove(this);
            delegate.close();
        }
    }
}
