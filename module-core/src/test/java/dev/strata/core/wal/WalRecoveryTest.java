package dev.strata.core.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Reopening after torn writes, stale bytes and corruption. */
final class WalRecoveryTest {
    private static final WalOptions SMALL_SEGMENTS = WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);

    @RegisterExtension
    final TestSeed seed = new TestSeed();

    @TempDir
    Path directory;

    private Wal open() throws IOException {
        return Wal.open(directory, Lsn.INVALID, SMALL_SEGMENTS, FileIo.DEFAULT, Failpoints.disabled());
    }

    /** Where the frame starting at {@code frameStart} lies, asked of a WAL that is closed again at once. */
    private WalTestLog.Location locate(Lsn frameStart) throws IOException {
        try (Wal wal = open()) {
            return WalTestLog.locate(wal, frameStart);
        }
    }

    /** Fills at least {@code segments} segments with random frames, then appends {@code last} as the final frame. */
    private WalTestLog fill(Random random, int segments, int lastRecords, int lastValueBytes) throws IOException {
        WalTestLog log = new WalTestLog();
        try (Wal wal = open()) {
            while (wal.segments().size() < segments) {
                log.append(wal, WalTestData.batch(random, 1 + random.nextInt(8), 800));
            }
            log.append(wal, WalTestData.batch(random, 1 + random.nextInt(3), 100));
            log.append(wal, WalTestData.batch(random, lastRecords, lastValueBytes));
        }
        return log;
    }

    @Test
    void tornTailAtEveryOffsetOfTheLastFrameKeepsExactlyTheCompleteFrames() throws IOException {
        Random random = seed.random();
        WalTestLog log = fill(random, 2, 3, 40);
        WalTestLog.Frame last = log.frames().getLast();
        Path lastSegment;
        long frameOffset;
        try (Wal wal = open()) {
            WalTestLog.Location location = WalTestLog.locate(wal, last.start());
            lastSegment = location.segment();
            frameOffset = location.offset();
            assertEquals(wal.segments().getLast(), lastSegment);
        }
        byte[] pristine = Files.readAllBytes(lastSegment);
        long frameBytes = last.end().value() - last.start().value();
        assertEquals(frameOffset + frameBytes, pristine.length);
        log.truncateTo(log.frames().size() - 1);
        for (long cut = frameOffset; cut < pristine.length; cut++) {
            Files.write(lastSegment, Arrays.copyOf(pristine, (int) cut));
            try (Wal wal = open()) {
                assertEquals(last.start(), wal.endLsn(), "cut at " + cut + ": the log ends before the torn frame");
                assertEquals(frameOffset, Files.size(lastSegment), "cut at " + cut + ": the torn bytes are gone");
                log.assertReplays(wal, Lsn.INVALID);
                WalAppend append = wal.append(WalTestData.batch(random, 1, 10));
                assertTrue(append.recordLsns().getFirst().isAfter(last.start()));
                wal.waitDurable(append.endLsn());
            }
        }
    }

    @Test
    void tornTailOfALargeFrameAtRandomOffsets() throws IOException {
        Random random = seed.random();
        WalTestLog log = fill(random, 3, 20, 2000);
        WalTestLog.Frame last = log.frames().getLast();
        log.truncateTo(log.frames().size() - 1);
        Path lastSegment;
        long frameOffset;
        try (Wal wal = open()) {
            WalTestLog.Location location = WalTestLog.locate(wal, last.start());
            lastSegment = location.segment();
            frameOffset = location.offset();
        }
        byte[] pristine = Files.readAllBytes(lastSegment);
        for (int attempt = 0; attempt < 40; attempt++) {
            int cut = (int) (frameOffset + random.nextInt((int) (pristine.length - frameOffset)));
            Files.write(lastSegment, Arrays.copyOf(pristine, cut));
            try (Wal wal = open()) {
                assertEquals(last.start(), wal.endLsn(), "cut at " + cut);
                log.assertReplays(wal, Lsn.INVALID);
            }
        }
    }

    @Test
    void garbageAfterTheLastFrameIsCut() throws IOException {
        Random random = seed.random();
        WalTestLog log = fill(random, 2, 2, 50);
        Lsn end = log.frames().getLast().end();
        for (int attempt = 0; attempt < 20; attempt++) {
            Path lastSegment;
            try (Wal wal = open()) {
                lastSegment = wal.segments().getLast();
            }
            long validSize = Files.size(lastSegment);
            // Zeros (a file extended by the kernel but never written) or random bytes.
            byte[] garbage = new byte[1 + random.nextInt(3000)];
            if (random.nextBoolean()) {
                random.nextBytes(garbage);
            }
            Files.write(lastSegment, garbage, StandardOpenOption.APPEND);
            try (Wal wal = open()) {
                assertEquals(end, wal.endLsn());
                assertEquals(validSize, Files.size(lastSegment));
                log.assertReplays(wal, Lsn.INVALID);
            }
        }
    }

    @Test
    void staleCopyOfAValidFrameIsNotAcceptedAtAnotherPosition() throws IOException {
        Random random = seed.random();
        WalTestLog log = fill(random, 1, 2, 50);
        WalTestLog.Frame last = log.frames().getLast();
        WalTestLog.Location location = locate(last.start());
        Path segment = location.segment();
        long offset = location.offset();
        byte[] bytes = Files.readAllBytes(segment);
        // The same frame bytes again right after it: length and payload are fine, only the LSN in the CRC differs.
        byte[] doubled = Arrays.copyOf(bytes, bytes.length + (int) (bytes.length - offset));
        System.arraycopy(bytes, (int) offset, doubled, bytes.length, (int) (bytes.length - offset));
        Files.write(segment, doubled);
        try (Wal wal = open()) {
            assertEquals(last.end(), wal.endLsn(), "a frame copied to another LSN fails its CRC");
            log.assertReplays(wal, Lsn.INVALID);
        }
    }

    @Test
    void corruptByteInAMiddleSegmentIsReportedWithFileAndOffset() throws IOException {
        Random random = seed.random();
        WalTestLog log = fill(random, 4, 1, 10);
        Path middle;
        WalTestLog.Frame victim;
        try (Wal wal = open()) {
            middle = wal.segments().get(1);
            List<WalTestLog.Frame> inMiddle = log.frames().stream()
                    .filter(frame -> WalTestLog.locate(wal, frame.start()).segment().equals(middle))
                    .toList();
            victim = inMiddle.get(random.nextInt(inMiddle.size()));
        }
        WalTestLog.Location location = locate(victim.start());
        long frameBytes = victim.end().value() - victim.start().value();
        long corruptAt = location.offset() + random.nextLong(frameBytes);
        byte[] bytes = Files.readAllBytes(middle);
        bytes[(int) corruptAt] ^= (byte) (1 + random.nextInt(255));
        Files.write(middle, bytes);
        CorruptWalException e = assertThrows(CorruptWalException.class, this::open);
        assertEquals(middle, e.path());
        assertEquals(location.offset(), e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(middle.toString()) && e.getMessage().contains("offset " + location.offset()),
                e.getMessage());
    }

    @Test
    void corruptHeaderIsReportedAtOffsetZero() throws IOException {
        Random random = seed.random();
        fill(random, 3, 1, 10);
        Path first;
        try (Wal wal = open()) {
            first = wal.segments().getFirst();
        }
        byte[] bytes = Files.readAllBytes(first);
        bytes[random.nextInt(WalFormat.HEADER_BYTES)] ^= 0x40;
        Files.write(first, bytes);
        CorruptWalException e = assertThrows(CorruptWalException.class, this::open);
        assertEquals(first, e.path());
        assertEquals(0, e.offset());
    }

    @Test
    void missingMiddleSegmentIsAGap() throws IOException {
        fill(seed.random(), 4, 1, 10);
        List<Path> segments;
        try (Wal wal = open()) {
            segments = wal.segments();
        }
        Files.delete(segments.get(2));
        CorruptWalException e = assertThrows(CorruptWalException.class, this::open);
        assertEquals(segments.get(1), e.path());
        assertEquals(Files.size(segments.get(1)), e.offset());
    }

    @Test
    void corruptionInsideTheLastSegmentIsCutLikeATornTail() throws IOException {
        // Documented behaviour: frames after the last force can reach disk out of order, so the first bad frame
        // of the last segment ends the log even when complete frames follow it.
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        try (Wal wal = open()) {
            for (int i = 0; i < 10; i++) {
                log.append(wal, WalTestData.batch(random, 2, 50));
            }
        }
        WalTestLog.Frame victim = log.frames().get(6);
        WalTestLog.Location location = locate(victim.start());
        byte[] bytes = Files.readAllBytes(location.segment());
        bytes[(int) location.offset() + 12] ^= 1;
        Files.write(location.segment(), bytes);
        log.truncateTo(6);
        try (Wal wal = open()) {
            assertEquals(victim.start(), wal.endLsn());
            log.assertReplays(wal, Lsn.INVALID);
        }
    }

    @Test
    void crashBetweenRollAndFirstFrameLeavesAnEmptyLastSegment() throws IOException {
        Random random = seed.random();
        WalTestLog log = fill(random, 2, 1, 10);
        Lsn end = log.frames().getLast().end();
        // A new segment whose header is all there is, as a crash right after the rename leaves it.
        Segment.create(directory, end, FileIo.DEFAULT);
        try (Wal wal = open()) {
            assertEquals(end, wal.endLsn());
            assertEquals(directory.resolve(WalFormat.segmentFileName(end)), wal.segments().getLast());
            log.assertReplays(wal, Lsn.INVALID);
            log.append(wal, WalTestData.batch(random, 2, 10));
        }
        try (Wal wal = open()) {
            log.assertReplays(wal, Lsn.INVALID);
        }
    }
}
