package dev.strata.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The disk's own figure for a write pattern, measured by the harness: append {@code batchBytes} with
 * {@code FileChannel.write}, then {@code force(false)} (fdatasync), repeatedly, into a fresh file in
 * the run's temp directory. This is what a WAL with one sync per batch could do at best.
 */
final class DiskBaseline {
    private DiskBaseline() {
    }

    /**
     * An open baseline file, so that the baseline can be measured in rounds interleaved with the stores
     * (the machine's disk speed drifts over a run; interleaving spreads the drift over every side).
     */
    static final class Writer implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final ByteBuffer buffer;

        Writer(Path directory, int batchBytes) throws IOException {
            file = directory.resolve("disk-baseline-" + batchBytes + ".bin");
            channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            buffer = ByteBuffer.allocateDirect(batchBytes);
            byte[] random = new byte[batchBytes];
            new SplittableRandom(7).nextBytes(random);
            buffer.put(random).flip();
        }

        /** Appends {@code batches} buffers, each followed by {@code force(false)}. */
        Driver.IngestResult write(long batches) throws IOException {
            long written = 0;
            long start = System.nanoTime();
            for (long i = 0; i < batches; i++) {
                buffer.rewind();
                while (buffer.hasRemaining()) {
                    written += channel.write(buffer);
                }
                channel.force(false);
            }
            return new Driver.IngestResult(written, batches, (System.nanoTime() - start) / 1e9, new long[0]);
        }

        @Override
        public void close() throws IOException {
            channel.close();
            Files.deleteIfExists(file);
        }
    }

    /** MiB/s of {@code totalBytes} written in appends of {@code batchBytes}, each followed by a force. */
    static double writeForceMibPerSecond(Path directory, int batchBytes, long totalBytes) throws IOException {
        Path file = directory.resolve("disk-baseline-" + batchBytes + ".bin");
        ByteBuffer buffer = ByteBuffer.allocateDirect(batchBytes);
        byte[] random = new byte[batchBytes];
        new SplittableRandom(7).nextBytes(random);
        buffer.put(random).flip();
        long written = 0;
        long start;
        long elapsed;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            start = System.nanoTime();
            while (written < totalBytes) {
                buffer.rewind();
                while (buffer.hasRemaining()) {
                    written += channel.write(buffer);
                }
                channel.force(false);
            }
            elapsed = System.nanoTime() - start;
        } finally {
            Files.deleteIfExists(file);
        }
        return written / (1024.0 * 1024.0) / (elapsed / 1e9);
    }
}
