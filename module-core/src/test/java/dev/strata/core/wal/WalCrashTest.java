package dev.strata.core.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.page.PageWrite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss: what was written after a file's last force is lost, wholly or in part. Every acknowledged batch
 * must survive, and what survives must be exactly a prefix of what was appended.
 */
final class WalCrashTest {
    private static final WalOptions SMALL_SEGMENTS = WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);

    @RegisterExtension
    final TestSeed seed = new TestSeed();

    @TempDir
    Path directory;

    @Test
    void acknowledgedBatchesSurviveRepeatedPowerLoss() throws Exception {
        Random random = seed.random();
        InstrumentedFileIo io = new InstrumentedFileIo();
        List<WalTestLog.Frame> survivors = new ArrayList<>();
        for (int round = 0; round < 12; round++) {
            Wal wal = Wal.open(directory, Lsn.INVALID, SMALL_SEGMENTS, io, Failpoints.disabled());
            assertEquals(survivors.isEmpty() ? Lsn.INVALID : survivors.getLast().end(), wal.endLsn(),
                    "round " + round + ": the log resumes after the surviving frames");
            List<WalTestLog.Frame> appended = Collections.synchronizedList(new ArrayList<>());
            List<WalTestLog.Frame> acknowledged = Collections.synchronizedList(new ArrayList<>());
            int threads = 1 + random.nextInt(4);
            try (ExecutorService executor = Executors.newFixedThreadPool(threads)) {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Random threadRandom = new Random(random.nextLong());
                    int batches = threadRandom.nextInt(60);
                    futures.add(executor.submit(() -> {
                        WalTestLog log = new WalTestLog();
                        for (int i = 0; i < batches; i++) {
                            List<PageWrite> batch = WalTestData.batch(threadRandom, 1 + threadRandom.nextInt(6), 700);
                            WalAppend append = wal.append(batch);
                            Lsn start = Lsn.of(append.endLsn().value() - WalFormat.FRAME_HEADER_BYTES
                                    - WalFormat.payloadBytes(batch));
                            WalTestLog.Frame frame = log.record(start, batch, append);
                            appended.add(frame);
                            if (threadRandom.nextInt(3) == 0) {
                                wal.waitDurable(append.endLsn());
                                acknowledged.add(frame);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> future : futures) {
                    future.get();
                }
            }
            Lsn durable = wal.durableLsn();
            io.crash(random);

            try (Wal reopened = Wal.open(directory, Lsn.INVALID, SMALL_SEGMENTS, io, Failpoints.disabled())) {
                List<WalTestLog.Frame> expected = new ArrayList<>(survivors);
                List<WalTestLog.Frame> ordered = new ArrayList<>(appended);
                ordered.sort(Comparator.comparing(WalTestLog.Frame::start));
                expected.addAll(ordered);
                List<WalTestLog.Frame> replayed = WalTestLog.replay(reopened, Lsn.INVALID);
                assertTrue(replayed.size() <= expected.size());
                for (int i = 0; i < replayed.size(); i++) {
                    assertEquals(expected.get(i).end(), replayed.get(i).end(), "round " + round + ", frame " + i);
                    assertEquals(expected.get(i).entries(), replayed.get(i).entries(), "round " + round + ", frame " + i);
                }
                Lsn recoveredEnd = replayed.isEmpty() ? Lsn.INVALID : replayed.getLast().end();
                assertEquals(recoveredEnd, reopened.endLsn());
                assertTrue(!recoveredEnd.isBefore(durable), "round " + round + ": lost durable data, durable "
                        + durable + " but recovered only up to " + recoveredEnd);
                for (WalTestLog.Frame frame : acknowledged) {
                    assertTrue(!frame.end().isAfter(recoveredEnd), "round " + round + ": acknowledged frame ending at "
                            + frame.end() + " lost; recovered up to " + recoveredEnd);
                }
                survivors = new ArrayList<>(expected.subList(0, replayed.size()));
            }
        }
    }
}
