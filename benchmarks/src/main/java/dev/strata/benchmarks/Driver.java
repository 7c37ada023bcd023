package dev.strata.benchmarks;

import dev.strata.api.Key;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;

/** The plain multi-threaded driver: ingest batches from N writers, or read for a fixed time from N readers. */
final class Driver {
    private Driver() {
    }

    /** What an ingest run did. */
    record IngestResult(long payloadBytes, long batches, double seconds, long[] commitLsns) {
        double mibPerSecond() {
            return payloadBytes / (1024.0 * 1024.0) / seconds;
        }

        IngestResult plus(IngestResult other) {
            return new IngestResult(payloadBytes + other.payloadBytes, batches + other.batches, seconds + other.seconds,
                    new long[0]);
        }

        static final IngestResult NONE = new IngestResult(0, 0, 0, new long[0]);
    }

    /**
     * Ingests batches {@code 0 … batches-1} from {@code writers} threads, each taking the next batch number.
     * Returns the commit LSN of every batch.
     */
    static IngestResult ingest(VersionedStore store, LongFunction<List<PageWrite>> batchSource, long batches,
                               int writers) throws IOException {
        return ingest(store, batchSource, 0, batches, writers);
    }

    /** Ingests batches {@code first … first+batches-1}; the LSNs returned are indexed from 0. */
    static IngestResult ingest(VersionedStore store, LongFunction<List<PageWrite>> batchSource, long first, long batches,
                               int writers) throws IOException {
        AtomicLong next = new AtomicLong(first);
        AtomicLong payload = new AtomicLong();
        long[] lsns = new long[Math.toIntExact(batches)];
        long start = System.nanoTime();
        runAll(writers, () -> {
            long index;
            long bytes = 0;
            while ((index = next.getAndIncrement()) < first + batches) {
                List<PageWrite> batch = batchSource.apply(index);
                lsns[(int) (index - first)] = store.ingest(batch);
                for (PageWrite write : batch) {
                    bytes += write.record().payloadSize();
                }
            }
            payload.addAndGet(bytes);
            return null;
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        return new IngestResult(payload.get(), batches, seconds, lsns);
    }

    /** One read to time: pick a key and LSN from {@code random}, read, and check the answer. */
    interface ReadOp {
        void read(SplittableRandom random) throws IOException;
    }

    /** What a read run did. */
    record ReadResult(long operations, double seconds, Histogram latencyNanos) {
        double opsPerSecond() {
            return operations / seconds;
        }

        double p50Micros() {
            return latencyNanos.getValueAtPercentile(50) / 1000.0;
        }

        double p99Micros() {
            return latencyNanos.getValueAtPercentile(99) / 1000.0;
        }

        /** This run and {@code other} as one (rounds of an interleaved measurement). */
        ReadResult plus(ReadResult other) {
            Histogram merged = latencyNanos.copy();
            merged.add(other.latencyNanos);
            return new ReadResult(operations + other.operations, seconds + other.seconds, merged);
        }

        static ReadResult none() {
            return new ReadResult(0, 0, new Histogram(3_600_000_000_000L, 3));
        }
    }

    /** Runs {@code op} from {@code threads} threads for {@code seconds}, recording each call's latency. */
    static ReadResult read(ReadOp op, int threads, double seconds, long seed) throws IOException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Histogram> histograms = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            histograms.add(new Histogram(3_600_000_000_000L, 3));
        }
        AtomicLong threadIndex = new AtomicLong();
        long start = System.nanoTime();
        runAll(threads, () -> {
            int me = (int) threadIndex.getAndIncrement();
            Histogram histogram = histograms.get(me);
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + me);
            long now = System.nanoTime();
            while (now < deadline) {
                long before = now;
                op.read(random);
                now = System.nanoTime();
                histogram.recordValue(Math.max(1, now - before));
            }
            return null;
        });
        double elapsed = (System.nanoTime() - start) / 1e9;
        Histogram total = new Histogram(3_600_000_000_000L, 3);
        for (Histogram histogram : histograms) {
            total.add(histogram);
        }
        return new ReadResult(total.getTotalCount(), elapsed, total);
    }

    /** Checks a read's answer: a benchmark of wrong answers measures nothing. */
    static void check(VersionedStore store, Key key, long lsn, byte[] expected, byte[] actual) {
        check(store.name(), key, lsn, expected, actual);
    }

    /** Checks a read's answer from {@code who} (a store, or a store reached another way). */
    static void check(String who, Key key, long lsn, byte[] expected, byte[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new IllegalStateException(who + " returned a wrong page for " + key + " at LSN "
                    + Long.toHexString(lsn) + ": expected " + (expected == null ? "none" : expected.length + " bytes")
                    + ", got " + (actual == null ? "none" : actual.length + " bytes"));
        }
    }

    /** Runs {@code task} on {@code threads} threads and waits for all; the first failure is thrown. */
    static void runAll(int threads, Callable<Void> task) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(task));
            }
            for (Future<Void> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IllegalStateException("benchmark thread failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
