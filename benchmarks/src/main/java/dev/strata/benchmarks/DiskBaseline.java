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
