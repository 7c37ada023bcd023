package dev.strata.core.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.core.failpoint.FailpointException;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.page.PageEntry;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Group commit, periodic syncing, and poisoning after a failed write or force. */
final class WalDurabilityTest {
    private static final WalOptions OPTIONS = WalOptions.DEFAULT.withSegmentBytes(4L << 20);

    @RegisterExtension
    final TestSeed seed = new TestSeed();

    @TempDir
    Path directory;

    private final InstrumentedFileIo io = new InstrumentedFileIo();

    private Wal open(WalOptions options, Failpoints failpoints) throws IOException {
        return Wal.open(directory, Lsn.INVALID, options, io, failpoints);
    }

    @Test
    void syncSoonForcesInTheBackgroundAndTheWaiterSharesThatForce() throws Exception {
        Random random = seed.random();
        try (Wal wal = open(OPTIONS, Failpoints.disabled())) {
            int forcesAtOpen = io.forces();
            WalAppend append = wal.append(WalTestData.batch(random, 3, 200));
            InstrumentedFileIo.ForceGate gate = io.holdNextForce();
            wal.syncSoon(append.endLsn());
            gate.awaitEntered();
            // The force started on its own thread; the writer can go on meanwhile.
            assertTrue(wal.durableLsn().isBefore(append.endLsn()), "not durable before the force ends");
            wal.syncSoon(append.endLsn()); // one force at a time: no second one
            try (ExecutorService executor = Executors.newSingleThreadExecutor()) {
                Future<?> waiter = executor.submit(() -> {
                    wal.waitDurable(append.endLsn());
                    return null;
                });
                Thread.sleep(50);
                assertTrue(!waiter.isDone(), "the waiter waits for the force in progress");
                gate.open();
                waiter.get();
            }
            assertEquals(append.endLsn(), wal.durableLsn());
            assertEquals(forcesAtOpen + 1, io.forces(), "the early force served the waiter");
            wal.syncSoon(append.endLsn());
            assertEquals(forcesAtOpen + 1, io.forces(), "nothing to force: durable already");
        }
    }

    @Test
    void aFailedEarlyForcePoisonsTheWal() throws Exception {
        Random random = seed.random();
        try (Wal wal = open(OPTIONS, Failpoints.disabled())) {
            WalAppend append = wal.append(WalTestData.batch(random, 2, 100));
            io.failForces(true);
            wal.syncSoon(append.endLsn());
            // Nobody waits: the background force alone fails, and poisons the WAL for the next append.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            boolean poisoned = false;
            while (!poisoned && System.nanoTime() < deadline) {
                try {
                    wal.append(WalTestData.batch(random, 1, 10));
                    Thread.sleep(5);
                } catch (WalPoisonedException e) {
                    poisoned = true;
                }
            }
            assertTrue(poisoned, "the failed background force poisoned the WAL");
            assertThrows(WalPoisonedException.class, () -> wal.waitDurable(append.endLsn()));
            io.failForces(false);
        }
    }

    @Test
    void syncSoonLeavesAPeriodicWalToItsTimer() throws Exception {
        Random random = seed.random();
        WalOptions periodic = OPTIONS.withDurability(Durability.PERIODIC);
        try (Wal wal = open(new WalOptions(periodic.segmentBytes(), Durability.PERIODIC, Duration.ofHours(1)),
                Failpoints.disabled())) {
            int forcesAtOpen = io.forces();
            WalAppend append = wal.append(WalTestData.batch(random, 2, 100));
            wal.syncSoon(append.endLsn());
            Thread.sleep(50);
            assertEquals(forcesAtOpen, io.forces());
            assertTrue(wal.durableLsn().isBefore(append.endLsn()));
        }
    }

    @Test
    void concurrentAppendersGetDistinctLsnsAndShareForces() throws Exception {
        int threads = 8;
        int batchesPerThread = 40;
        io.forceDelay(Duration.ofMillis(2));
        List<WalTestLog.Frame> acknowledged = Collections.synchronizedList(new ArrayList<>());
        try (Wal wal = open(OPTIONS, Failpoints.disabled());
             ExecutorService executor = Executors.newFixedThreadPool(threads)) {
            int forcesAtOpen = io.forces();
            CountDownLatch startTogether = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(seed.seed() + t);
                futures.add(executor.submit(() -> {
                    startTogether.await();
                    WalTestLog log = new WalTestLog();
                    for (int i = 0; i < batchesPerThread; i++) {
                        List<PageWrite> batch = WalTestData.batch(random, 1 + random.nextInt(5), 200);
                        WalAppend append = wal.append(batch);
                        wal.waitDurable(append.endLsn());
                        assertTrue(!wal.durableLsn().isBefore(append.endLsn()), "acknowledged means durable");
                        // The frame start is unknown to a concurrent appender; take it from the LSN arithmetic.
                        long payloadBytes = WalFormat.payloadBytes(batch);
                        Lsn start = Lsn.of(append.endLsn().value() - WalFormat.FRAME_HEADER_BYTES - payloadBytes);
                        acknowledged.add(log.record(start, batch, append));
                    }
                    return null;
                }));
            }
            startTogether.countDown();
            for (Future<?> future : futures) {
                future.get();
            }
            int batches = threads * batchesPerThread;
            int forces = io.forces() - forcesAtOpen;
            assertTrue(forces < batches, "group commit: " + forces + " forces for " + batches + " batches");
            assertTrue(forces > 0);

            List<WalTestLog.Frame> frames = new ArrayList<>(acknowledged);
            frames.sort((a, b) -> a.start().compareTo(b.start()));
            Set<Lsn> recordLsns = new HashSet<>();
            Lsn previousEnd = Lsn.INVALID;
            for (WalTestLog.Frame frame : frames) {
                assertEquals(previousEnd, frame.start(), "frames are contiguous");
                previousEnd = frame.end();
                for (PageEntry entry : frame.entries()) {
                    assertTrue(recordLsns.add(entry.lsn()), "duplicate LSN " + entry.lsn());
                }
            }
            assertEquals(wal.endLsn(), previousEnd);
            List<WalTestLog.Frame> replayed = WalTestLog.replay(wal, Lsn.INVALID);
            assertEquals(frames.size(), replayed.size());
            for (int i = 0; i < frames.size(); i++) {
                assertEquals(frames.get(i).entries(), replayed.get(i).entries(), "frame " + i);
            }
        }
    }

    @Test
    void oneForceCoversEveryFrameAppendedBeforeIt() throws IOException {
        Random random = seed.random();
        try (Wal wal = open(OPTIONS, Failpoints.disabled())) {
            List<WalAppend> appends = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                appends.add(wal.append(WalTestData.batch(random, 2, 100)));
            }
            int before = io.forces();
            wal.waitDurable(appends.getLast().endLsn());
            assertEquals(before + 1, io.forces());
            for (WalAppend append : appends) {
                wal.waitDurable(append.endLsn());
            }
            assertEquals(before + 1, io.forces(), "already durable: no further force");
            assertEquals(wal.endLsn(), wal.durableLsn());
        }
    }

    @Test
    void waitersArrivingDuringAForceShareTheNextOne() throws Exception {
        Random random = seed.random();
        try (Wal wal = open(OPTIONS, Failpoints.disabled());
             ExecutorService executor = Executors.newFixedThreadPool(4)) {
            WalAppend first = wal.append(WalTestData.batch(random, 1, 10));
            int before = io.forces();
            InstrumentedFileIo.ForceGate gate = io.holdNextForce();
            Future<?> syncer = executor.submit(() -> {
                wal.waitDurable(first.endLsn());
                return null;
            });
            gate.awaitEntered();
            // The force in flight started before these frames were written, so it cannot cover them.
            List<Future<?>> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                WalAppend append = wal.append(WalTestData.batch(random, 1, 10));
                waiters.add(executor.submit(() -> {
                    wal.waitDurable(append.endLsn());
                    return null;
                }));
            }
            assertEquals(Lsn.INVALID, wal.durableLsn(), "nothing is acknowledged while the force is held");
            gate.open();
            syncer.get();
            for (Future<?> waiter : waiters) {
                waiter.get();
            }
            assertEquals(before + 2, io.forces(), "one force for the first frame, one shared by the three waiters");
            assertEquals(wal.endLsn(), wal.durableLsn());
        }
    }

    @Test
    void periodicModeBecomesDurableWithoutWaiting() throws Exception {
        Random random = seed.random();
        WalOptions periodic = new WalOptions(OPTIONS.segmentBytes(), Durability.PERIODIC, Duration.ofMillis(20));
        try (Wal wal = open(periodic, Failpoints.disabled())) {
            int before = io.forces();
            WalAppend append = wal.append(WalTestData.batch(random, 3, 100));
            wal.waitDurable(append.endLsn());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (wal.durableLsn().isBefore(append.endLsn()) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(append.endLsn(), wal.durableLsn(), "the background thread forced the frame");
            assertTrue(io.forces() > before);
        }
    }

    @Test
    void failedForcePoisonsTheWal() throws IOException {
        Random random = seed.random();
        Wal wal = open(OPTIONS, Failpoints.disabled());
        WalAppend durable = wal.append(WalTestData.batch(random, 2, 50));
        wal.waitDurable(durable.endLsn());
        WalAppend pending = wal.append(WalTestData.batch(random, 2, 50));
        io.failForces(true);
        IOException first = assertThrows(IOException.class, () -> wal.waitDurable(pending.endLsn()));
        assertTrue(first.getMessage().contains("injected fsync failure"), first.getMessage());
        assertEquals(durable.endLsn(), wal.durableLsn(), "nothing past the failed force is acknowledged");
        // The disk "recovers", but a later fsync would not prove the earlier pages reached it: stay poisoned.
        io.failForces(false);
        WalPoisonedException waitAgain = assertThrows(WalPoisonedException.class, () -> wal.waitDurable(pending.endLsn()));
        assertTrue(waitAgain.getMessage().contains("poisoned"), waitAgain.getMessage());
        assertEquals(first, waitAgain.getCause());
        assertThrows(WalPoisonedException.class, () -> wal.append(WalTestData.batch(random, 1, 10)));
        assertEquals(durable.endLsn(), wal.durableLsn());
        wal.waitDurable(durable.endLsn());
        // Closing a poisoned WAL does not force, so it acknowledges nothing new either.
        int forces = io.forces();
        wal.close();
        assertEquals(forces, io.forces());
        assertEquals(durable.endLsn(), wal.durableLsn());
        assertThrows(WalPoisonedException.class, () -> wal.waitDurable(pending.endLsn()));
        // Reopening replays what is really on disk.
        try (Wal reopened = open(OPTIONS, Failpoints.disabled())) {
            assertTrue(!reopened.endLsn().isBefore(durable.endLsn()));
        }
    }

    @Test
    void concurrentWaitersAllSeeTheForceFailure() throws Exception {
        Random random = seed.random();
        io.forceDelay(Duration.ofMillis(20));
        try (Wal wal = open(OPTIONS, Failpoints.disabled());
             ExecutorService executor = Executors.newFixedThreadPool(4)) {
            List<WalAppend> appends = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                appends.add(wal.append(WalTestData.batch(random, 1, 10)));
            }
            io.failForces(true);
            List<Future<?>> waits = new ArrayList<>();
            for (WalAppend append : appends) {
                waits.add(executor.submit(() -> {
                    wal.waitDurable(append.endLsn());
                    return null;
                }));
            }
            for (Future<?> wait : waits) {
                Throwable failure = assertThrows(ExecutionException.class, wait::get).getCause();
                assertInstanceOf(IOException.class, failure);
            }
            assertEquals(Lsn.INVALID, wal.durableLsn());
        }
    }

    @Test
    void failpointBeforeFsyncMakesWaitThrowAndAcknowledgesNothing() throws IOException {
        Random random = seed.random();
        Failpoints failpoints = Failpoints.create();
        try (Wal wal = open(OPTIONS, failpoints)) {
            WalAppend durable = wal.append(WalTestData.batch(random, 2, 50));
            wal.waitDurable(durable.endLsn());
            int forces = io.forces();
            failpoints.configure(Wal.FAILPOINT_BEFORE_FSYNC, "return");
            WalAppend pending = wal.append(WalTestData.batch(random, 2, 50));
            FailpointException e = assertThrows(FailpointException.class, () -> wal.waitDurable(pending.endLsn()));
            assertEquals(Wal.FAILPOINT_BEFORE_FSYNC, e.failpoint());
            assertEquals(forces, io.forces(), "the failpoint fires before the force");
            assertEquals(durable.endLsn(), wal.durableLsn());
            failpoints.clear();
            assertThrows(WalPoisonedException.class, () -> wal.waitDurable(pending.endLsn()));
            assertEquals(durable.endLsn(), wal.durableLsn());
        }
    }

    @Test
    void failedWritePoisonsTheWal() throws IOException {
        Random random = seed.random();
        try (Wal wal = open(OPTIONS, Failpoints.disabled())) {
            WalAppend durable = wal.append(WalTestData.batch(random, 2, 50));
            io.failWrites(true);
            IOException e = assertThrows(IOException.class, () -> wal.append(WalTestData.batch(random, 2, 50)));
            assertTrue(e.getMessage().contains("injected write failure"), e.getMessage());
            io.failWrites(false);
            assertEquals(durable.endLsn(), wal.endLsn(), "a failed append assigns no LSNs");
            assertThrows(WalPoisonedException.class, () -> wal.append(WalTestData.batch(random, 2, 50)));
            assertThrows(WalPoisonedException.class, () -> wal.waitDurable(durable.endLsn()));
        }
    }

    @Test
    void failpointAfterAppendLeavesTheFrameInTheLogAndPoisons() throws IOException {
        Random random = seed.random();
        Failpoints failpoints = Failpoints.create();
        WalTestLog log = new WalTestLog();
        try (Wal wal = open(OPTIONS, failpoints)) {
            log.append(wal, WalTestData.batch(random, 2, 50));
            failpoints.configure(Wal.FAILPOINT_AFTER_APPEND, "return");
            assertThrows(FailpointException.class, () -> wal.append(WalTestData.batch(random, 2, 50)));
            failpoints.clear();
            assertThrows(WalPoisonedException.class, () -> wal.append(WalTestData.batch(random, 2, 50)));
        }
        try (Wal wal = open(OPTIONS, Failpoints.disabled())) {
            // The outcome of the failed append is unknown to its caller: here the frame reached the file.
            assertEquals(2, WalTestLog.replay(wal, Lsn.INVALID).size());
        }
    }

    @Test
    void forceFailureWhileRollingToANewSegmentPoisons() throws IOException {
        Random random = seed.random();
        WalOptions small = OPTIONS.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);
        try (Wal wal = open(small, Failpoints.disabled())) {
            while (wal.segments().size() < 2) {
                wal.append(WalTestData.batch(random, 4, 1000));
            }
            io.failForces(true);
            IOException e = assertThrows(IOException.class, () -> {
                while (true) {
                    wal.append(WalTestData.batch(random, 4, 1000));
                }
            });
            assertTrue(e.getMessage().contains("injected fsync failure"), e.getMessage());
            assertEquals(2, wal.segments().size(), "no new segment after the old one failed to force");
            assertThrows(WalPoisonedException.class, () -> wal.append(WalTestData.batch(random, 1, 10)));
        }
    }

    @Test
    void closeForcesWhatWasAppended() throws IOException {
        Random random = seed.random();
        Wal wal = open(OPTIONS, Failpoints.disabled());
        WalAppend append = wal.append(WalTestData.batch(random, 2, 50));
        int before = io.forces();
        wal.close();
        assertEquals(before + 1, io.forces());
        assertEquals(append.endLsn(), wal.durableLsn());
    }

    @Test
    void anInterruptedCallerDoesNotCloseTheLogForEveryone() throws IOException {
        Random random = seed.random();
        WalOptions small = OPTIONS.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);
        try (Wal wal = open(small, Failpoints.disabled())) {
            // FileChannel I/O on an interrupted thread would close the channel; the WAL holds the interrupt back.
            Thread.currentThread().interrupt();
            WalAppend append = null;
            while (wal.segments().size() < 2) {
                append = wal.append(WalTestData.batch(random, 4, 1000));
            }
            wal.waitDurable(append.endLsn());
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            WalAppend next = wal.append(WalTestData.batch(random, 1, 10));
            wal.waitDurable(next.endLsn());
            assertEquals(next.endLsn(), wal.durableLsn());
        } finally {
            Thread.interrupted();
        }
    }
}
