package dev.strata.core.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trimmed segments kept as spare files and written again as later segments: the log reads the same as with fresh
 * files, the stale frames of a file's earlier use never come back, and readers that pin the segments keep them.
 */
final class WalSpareSegmentsTest {
    private static final WalOptions SMALL = WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);

    @RegisterExtension
    final TestSeed seed = new TestSeed();

    @TempDir
    Path directory;

    @TempDir
    Path crashImage;

    private Wal open(Path in, int spares) throws IOException {
        return Wal.open(in, Lsn.INVALID, SMALL.withSpareSegments(spares), FileIo.DEFAULT, Failpoints.disabled());
    }

    private static Lsn startOf(Path segment) {
        return WalFormat.parseSegmentFileName(segment.getFileName().toString());
    }

    private static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino");
    }

    private static List<Path> spareFiles(Path in) throws IOException {
        try (Stream<Path> files = Files.list(in)) {
            return files.filter(file -> WalFormat.isSpareFileName(file.getFileName().toString())).sorted().toList();
        }
    }

    /** Appends random frames until the WAL has {@code segments} segments. */
    private static void fillTo(Wal wal, WalTestLog log, Random random, int segments) throws IOException {
        while (wal.segments().size() < segments) {
            log.append(wal, WalTestData.batch(random, 1 + random.nextInt(8), 800));
        }
    }

    /**
     * Fills {@code segments} segments, trims all but the open one (so the spares are as many as the options let
     * the WAL keep of them) and appends until the next segment is written into a spare.
     */
    private static void rollIntoASpare(Wal wal, WalTestLog log, Random random, int segments) throws IOException {
        fillTo(wal, log, random, segments);
        wal.trim(Lsn.MAX);
        fillTo(wal, log, random, 2);
    }

    /** What a process crash leaves: the files as the page cache holds them, copied while the WAL is open. */
    private void copyAsCrashImage() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.copy(file, crashImage.resolve(file.getFileName()));
            }
        }
    }

    @Test
    void trimmedSegmentsBecomeSparesAndTheNextSegmentsAreWrittenIntoThem() throws IOException {
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        try (Wal wal = open(directory, 2)) {
            fillTo(wal, log, random, 5);
            List<Path> trimmed = wal.segments().subList(0, 4);
            assertEquals(4, wal.trim(Lsn.MAX));
            // The two oldest become spares; the WAL keeps no more than two.
            List<Path> spares = spareFiles(directory);
            assertEquals(2, spares.size());
            assertEquals(2, wal.spareSegments());
            assertEquals(List.of(directory.resolve(trimmed.get(0).getFileName() + ".spare"),
                    directory.resolve(trimmed.get(1).getFileName() + ".spare")), spares);
            trimmed.forEach(segment -> assertFalse(Files.exists(segment), segment + " is gone under its old name"));
            Set<Object> spareInodes = new HashSet<>();
            for (Path spare : spares) {
                spareInodes.add(inode(spare));
            }
            Lsn firstKept = startOf(wal.segments().getFirst());

            fillTo(wal, log, random, 3);
            List<Path> segments = wal.segments();
            assertEquals(Set.of(inode(segments.get(1)), inode(segments.get(2))), spareInodes,
                    "the two segments after the trim are the spare files");
            assertEquals(0, wal.spareSegments());
            assertTrue(spareFiles(directory).isEmpty());
            // A closed segment is cut to its last frame before the next one is created: no stale bytes in it.
            assertEquals(WalFormat.HEADER_BYTES + startOf(segments.get(2)).value() - startOf(segments.get(1)).value(),
                    Files.size(segments.get(1)));
            log.assertReplays(wal, firstKept);

            fillTo(wal, log, random, 4);
            assertFalse(spareInodes.contains(inode(wal.segments().getLast())), "no spare left: a new file");
            log.assertReplays(wal, firstKept);
        }
        try (Wal wal = open(directory, 2)) {
            assertEquals(log.frames().getLast().end(), wal.endLsn());
            log.assertReplays(wal, startOf(wal.segments().getFirst()));
        }
    }

    @Test
    void aCrashInAReusedSegmentRecoversItsOwnFramesAndNoneOfTheStaleOnes() throws IOException {
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        Path reused;
        try (Wal wal = open(directory, 4)) {
            rollIntoASpare(wal, log, random, 4);
            // A few frames into the reused file: its earlier frames lie after them.
            for (int i = 0; i < 3; i++) {
                log.append(wal, WalTestData.batch(random, 1 + random.nextInt(3), 200));
            }
            wal.waitDurable(wal.endLsn());
            reused = crashImage.resolve(wal.segments().getLast().getFileName());
            long written = WalFormat.HEADER_BYTES + wal.endLsn().value() - startOf(reused).value();
            assertTrue(Files.size(wal.segments().getLast()) > written, "the reused file holds stale bytes past the end");
            copyAsCrashImage();
        }
        Lsn firstKept;
        try (Wal recovered = open(crashImage, 4)) {
            assertEquals(log.frames().getLast().end(), recovered.endLsn());
            firstKept = startOf(recovered.segments().getFirst());
            log.assertReplays(recovered, firstKept);
            assertEquals(WalFormat.HEADER_BYTES + recovered.endLsn().value() - startOf(reused).value(),
                    Files.size(reused), "recovery cut the stale bytes");
            fillTo(recovered, log, random, recovered.segments().size() + 2);
        }
        try (Wal reopened = open(crashImage, 4)) {
            assertEquals(log.frames().getLast().end(), reopened.endLsn());
            log.assertReplays(reopened, firstKept);
        }
    }

    @Test
    void aSpareTurnedIntoASegmentBeforeAnyFrameReadsAsEmpty() throws IOException {
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        Lsn end;
        try (Wal wal = open(directory, 4)) {
            fillTo(wal, log, random, 3);
            wal.trim(Lsn.MAX);
            end = wal.endLsn();
            copyAsCrashImage();
        }
        // As if a crash came after a roll renamed a spare into place, before the first frame reached it. The
        // spare's frames are intact, at offsets the new header gives other LSNs.
        Path spare = spareFiles(crashImage).getFirst();
        Segment.recycle(spare, crashImage, end, FileIo.DEFAULT);
        try (Wal recovered = open(crashImage, 4)) {
            // The segment before it ends where it starts, so the log is contiguous and ends there.
            assertEquals(end, recovered.endLsn());
            log.assertReplays(recovered, startOf(recovered.segments().getFirst()));
            assertEquals(WalFormat.HEADER_BYTES, Files.size(crashImage.resolve(WalFormat.segmentFileName(end))));
        }
    }

    @Test
    void aPinnedWalWritesNewFilesAndReusesSparesOnceThePinIsClosed() throws IOException {
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        try (Wal wal = open(directory, 4)) {
            fillTo(wal, log, random, 3);
            Set<Object> spareInodes = new HashSet<>();
            try (Wal.SegmentPin pin = wal.pinSegments()) {
                wal.trim(Lsn.MAX);
                for (Path spare : spareFiles(directory)) {
                    spareInodes.add(inode(spare));
                }
                assertEquals(2, spareInodes.size());
                fillTo(wal, log, random, 2);
                assertFalse(spareInodes.contains(inode(wal.segments().getLast())), "pinned: a new file");
                assertEquals(2, wal.spareSegments());
                pin.close();
                pin.close();
            }
            fillTo(wal, log, random, 3);
            assertTrue(spareInodes.contains(inode(wal.segments().getLast())), "unpinned: a spare");
            assertEquals(1, wal.spareSegments());
            log.assertReplays(wal, startOf(wal.segments().getFirst()));
        }
    }

    @Test
    void closeRemovesTheSparesAndCutsTheOpenSegmentToItsEnd() throws IOException {
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        Path open;
        try (Wal wal = open(directory, 8)) {
            rollIntoASpare(wal, log, random, 5);
            log.append(wal, WalTestData.batch(random, 2, 100));
            assertEquals(3, wal.spareSegments());
            open = wal.segments().getLast();
            assertNotEquals(WalFormat.HEADER_BYTES + wal.endLsn().value() - startOf(open).value(), Files.size(open));
        }
        assertTrue(spareFiles(directory).isEmpty());
        assertEquals(WalFormat.HEADER_BYTES + log.frames().getLast().end().value() - startOf(open).value(),
                Files.size(open));
        try (Wal wal = open(directory, 8)) {
            assertEquals(log.frames().getLast().end(), wal.endLsn());
            assertEquals(0, wal.spareSegments());
        }
    }

    @Test
    void openKeepsNoMoreSparesThanTheOptionsAllow() throws IOException {
        Random random = seed.random();
        try (Wal wal = open(directory, 4)) {
            fillTo(wal, new WalTestLog(), random, 5);
            wal.trim(Lsn.MAX);
            assertEquals(4, spareFiles(directory).size());
            copyAsCrashImage();
        }
        try (Wal wal = open(crashImage, 1)) {
            assertEquals(1, wal.spareSegments());
            assertEquals(1, spareFiles(crashImage).size());
        }
    }

    @Test
    void withoutSparesTrimDeletes() throws IOException {
        Random random = seed.random();
        try (Wal wal = open(directory, 0)) {
            fillTo(wal, new WalTestLog(), random, 4);
            assertEquals(3, wal.trim(Lsn.MAX));
            assertTrue(spareFiles(directory).isEmpty());
            assertEquals(0, wal.spareSegments());
            try (Stream<Path> files = Files.list(directory)) {
                assertEquals(1, files.count());
            }
        }
    }

    @Test
    void acknowledgedBatchesSurviveRepeatedPowerLossWhileSegmentsAreReused() throws IOException {
        Random random = seed.random();
        InstrumentedFileIo io = new InstrumentedFileIo();
        WalOptions options = SMALL.withSpareSegments(3);
        List<WalTestLog.Frame> survivors = new ArrayList<>();
        int reused = 0;
        for (int round = 0; round < 24; round++) {
            Wal wal = Wal.open(directory, Lsn.INVALID, options, io, Failpoints.disabled());
            assertEquals(survivors.isEmpty() ? Lsn.INVALID : survivors.getLast().end(), wal.endLsn(),
                    "round " + round + ": the log resumes after the surviving frames");
            WalTestLog log = new WalTestLog();
            List<WalTestLog.Frame> acknowledged = new ArrayList<>();
            int batches = 40 + random.nextInt(160);
            for (int i = 0; i < batches; i++) {
                int sparesBefore = wal.spareSegments();
                int segmentsBefore = wal.segments().size();
                WalTestLog.Frame frame = log.append(wal, WalTestData.batch(random, 1 + random.nextInt(6), 700));
                boolean intoSpare = wal.segments().size() > segmentsBefore && wal.spareSegments() < sparesBefore;
                if (intoSpare) {
                    reused++;
                    if (random.nextInt(3) == 0) {
                        // Power fails right after the roll: the new header and the first frame are not forced.
                        break;
                    }
                }
                if (random.nextInt(3) == 0) {
                    wal.waitDurable(frame.end());
                    acknowledged.add(frame);
                }
                if (random.nextInt(40) == 0) {
                    // What layers would hold by now: everything durable.
                    wal.trim(wal.durableLsn());
                }
            }
            Lsn durable = wal.durableLsn();
            io.crash(random);

            try (Wal reopened = Wal.open(directory, Lsn.INVALID, options, io, Failpoints.disabled())) {
                Lsn first = startOf(reopened.segments().getFirst());
                List<WalTestLog.Frame> expected = new ArrayList<>(survivors);
                expected.addAll(log.frames());
                expected.removeIf(frame -> !frame.end().isAfter(first));
                List<WalTestLog.Frame> replayed = WalTestLog.replay(reopened, first);
                assertTrue(replayed.size() <= expected.size(), "round " + round + ": more frames than appended");
                for (int i = 0; i < replayed.size(); i++) {
                    assertEquals(expected.get(i).end(), replayed.get(i).end(), "round " + round + ", frame " + i);
                    assertEquals(expected.get(i).entries(), replayed.get(i).entries(), "round " + round + ", frame " + i);
                }
                Lsn recoveredEnd = replayed.isEmpty() ? first : replayed.getLast().end();
                assertEquals(recoveredEnd, reopened.endLsn());
                assertFalse(recoveredEnd.isBefore(durable), "round " + round + ": lost durable data, durable "
                        + durable + " but recovered only up to " + recoveredEnd);
                for (WalTestLog.Frame frame : acknowledged) {
                    assertFalse(frame.end().isAfter(recoveredEnd), "round " + round + ": acknowledged frame ending at "
                            + frame.end() + " lost; recovered up to " + recoveredEnd);
                }
                survivors = new ArrayList<>(expected.subList(0, replayed.size()));
            }
        }
        assertTrue(reused >= 5, "segments were written into spare files " + reused + " times");
    }
}
