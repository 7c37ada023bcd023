package dev.strata.core.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.page.PageEntry;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Appending, LSN assignment, segment layout and replay, including across reopen. */
final class WalAppendReplayTest {
    private static final WalOptions SMALL_SEGMENTS = WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);

    @RegisterExtension
    final TestSeed seed = new TestSeed();

    @TempDir
    Path directory;

    private static Wal open(Path directory, Lsn start, WalOptions options) throws IOException {
        return Wal.open(directory, start, options, FileIo.DEFAULT, Failpoints.disabled());
    }

    @Test
    void roundTripAcrossSegmentsWithRandomBatches() throws IOException {
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        Lsn start = Lsn.of(0x1_0000_0000L + random.nextInt(1 << 20));
        try (Wal wal = open(directory, start, SMALL_SEGMENTS)) {
            assertEquals(start, wal.endLsn(), "an empty WAL ends at its start LSN");
            Lsn previousEnd = start;
            for (int i = 0; i < 200; i++) {
                WalTestLog.Frame frame = log.append(wal, WalTestData.batch(random, 1 + random.nextInt(12), 600));
                assertEquals(previousEnd, frame.start(), "a frame starts where the previous one ended");
                assertTrue(frame.entries().getFirst().lsn().isAfter(previousEnd));
                previousEnd = frame.end();
                wal.waitDurable(frame.end());
            }
            assertTrue(wal.segments().size() >= 4, "expected several segments, got " + wal.segments());
            assertEquals(wal.endLsn(), wal.durableLsn());
            log.assertReplays(wal, start);
            assertSegmentsContiguous(wal, log);
        }
        try (Wal wal = open(directory, Lsn.INVALID, SMALL_SEGMENTS)) {
            assertEquals(log.frames().getLast().end(), wal.endLsn(), "reopen continues at the same end");
            assertEquals(wal.endLsn(), wal.durableLsn(), "everything on disk is durable after open");
            log.assertReplays(wal, start);
            // From a frame end in the middle, and from inside a frame.
            WalTestLog.Frame middle = log.frames().get(log.frames().size() / 2);
            log.assertReplays(wal, middle.end());
            WalTestLog.Frame multi = log.frames().stream().filter(f -> f.entries().size() > 2).findFirst().orElseThrow();
            Lsn inside = multi.entries().get(1).lsn();
            List<WalTestLog.Frame> replayed = WalTestLog.replay(wal, inside);
            assertEquals(multi.entries().subList(2, multi.entries().size()), replayed.getFirst().entries(),
                    "records at or below 'after' are left out of the frame that contains it");
            assertEquals(multi.end(), replayed.getFirst().end());
            // Appends continue after the recovered end.
            Lsn end = wal.endLsn();
            WalTestLog.Frame next = log.append(wal, WalTestData.batch(random, 3, 100));
            assertEquals(end, next.start());
        }
    }

    @Test
    void lsnArithmeticOfOneFrame() throws IOException {
        try (Wal wal = open(directory, Lsn.of(1000), WalOptions.DEFAULT)) {
            Key key = Key.ofRelationPage(1, 2, 3, 0, 4);
            WalAppend append = wal.append(List.of(new PageWrite(key, new PageRecord.Init(8192)),
                    new PageWrite(key, new PageRecord.Append(new byte[10]))));
            // Frame header 8, record count 4, then (4 + 18 + 5) for the Init and (4 + 18 + 15) for the Append.
            assertEquals(List.of(Lsn.of(1000 + 8 + 4 + 27), Lsn.of(1000 + 8 + 4 + 27 + 37)), append.recordLsns());
            assertEquals(Lsn.of(1000 + 8 + 4 + 27 + 37), append.endLsn());
            assertEquals(append.endLsn(), wal.endLsn());
            WalAppend second = wal.append(List.of(new PageWrite(key, new PageRecord.Init(1))));
            assertEquals(Lsn.of(append.endLsn().value() + 8 + 4 + 27), second.endLsn(),
                    "the next frame starts at the previous end");
        }
    }

    @Test
    void segmentFileNameAndHeaderCarryTheStartLsn() throws IOException {
        Lsn start = Lsn.parse("16/B374D848");
        try (Wal wal = open(directory, start, WalOptions.DEFAULT)) {
            assertEquals(List.of(directory.resolve("00000016B374D848.wal")), wal.segments());
        }
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(directory.resolve("00000016B374D848.wal")));
        assertEquals(WalFormat.HEADER_BYTES, header.remaining(), "an empty segment is just its header");
        assertEquals(WalFormat.MAGIC, header.getInt(0));
        assertEquals(WalFormat.VERSION, header.getInt(4));
        assertEquals(start.value(), header.getLong(8));
    }

    @Test
    void emptyBatchIsRejected() throws IOException {
        try (Wal wal = open(directory, Lsn.INVALID, WalOptions.DEFAULT)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wal.append(List.of()));
            assertTrue(e.getMessage().contains("empty batch"), e.getMessage());
            assertEquals(Lsn.INVALID, wal.endLsn());
        }
    }

    @Test
    void batchLargerThanASegmentIsRejectedWithItsSizeAndTheLimit() throws IOException {
        try (Wal wal = open(directory, Lsn.INVALID, SMALL_SEGMENTS)) {
            Key key = Key.MIN;
            List<PageWrite> batch = List.of(new PageWrite(key, new PageRecord.Image(new byte[40_000])),
                    new PageWrite(key, new PageRecord.Image(new byte[40_000])));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wal.append(batch));
            long frameBytes = 8 + 4 + 2 * (4 + 18 + 5 + 40_000);
            long limit = WalOptions.MIN_SEGMENT_BYTES - WalFormat.HEADER_BYTES;
            assertTrue(e.getMessage().contains(frameBytes + " bytes") && e.getMessage().contains(limit + " bytes"),
                    e.getMessage());
            // The largest frame that fits is accepted, alone in its segment.
            int fitting = (int) (limit - 8 - 4 - 4 - 18 - 5);
            wal.append(List.of(new PageWrite(key, new PageRecord.Image(new byte[1]))));
            WalAppend append = wal.append(List.of(new PageWrite(key, new PageRecord.Image(new byte[fitting]))));
            assertEquals(2, wal.segments().size());
            assertEquals(WalOptions.MIN_SEGMENT_BYTES, Files.size(wal.segments().getLast()));
            wal.waitDurable(append.endLsn());
        }
    }

    @Test
    void appendAfterCloseIsIllegalState() throws IOException {
        Wal wal = open(directory, Lsn.INVALID, WalOptions.DEFAULT);
        WalAppend append = wal.append(WalTestData.batch(seed.random(), 2, 10));
        wal.close();
        wal.close();
        assertThrows(IllegalStateException.class, () -> wal.append(WalTestData.batch(seed.random(), 1, 10)));
        assertEquals(append.endLsn(), wal.durableLsn(), "close forces what was appended");
        wal.waitDurable(append.endLsn());
    }

    @Test
    void waitingBeyondTheEndIsRejected() throws IOException {
        try (Wal wal = open(directory, Lsn.of(10), WalOptions.DEFAULT)) {
            assertThrows(IllegalArgumentException.class, () -> wal.waitDurable(Lsn.of(11)));
        }
    }

    @Test
    void openRemovesTempFilesAndRejectsUnknownFiles() throws IOException {
        try (Wal wal = open(directory, Lsn.INVALID, WalOptions.DEFAULT)) {
            wal.append(WalTestData.batch(seed.random(), 2, 10));
        }
        Path temp = directory.resolve("00000000000F0000.wal.___temp");
        Files.write(temp, new byte[7]);
        try (Wal wal = open(directory, Lsn.INVALID, WalOptions.DEFAULT)) {
            assertFalse(Files.exists(temp), "open removes temp files a crash left");
            assertEquals(1, wal.segments().size());
        }
        Path stray = directory.resolve("notes.txt");
        Files.writeString(stray, "hello");
        IOException e = assertThrows(IOException.class, () -> open(directory, Lsn.INVALID, WalOptions.DEFAULT));
        assertTrue(e.getMessage().contains(stray.toString()), e.getMessage());
        assertTrue(Files.exists(stray), "an unknown file is never deleted");
    }

    @Test
    void replayBeforeTheFirstSegmentIsRejected() throws IOException {
        try (Wal wal = open(directory, Lsn.of(5000), WalOptions.DEFAULT)) {
            wal.append(WalTestData.batch(seed.random(), 1, 10));
            assertThrows(IllegalArgumentException.class, () -> wal.replay(Lsn.of(4999), (entries, end) -> { }));
        }
    }

    @Test
    void replayDeliversEachRecordWithItsLsn() throws IOException {
        Random random = seed.random();
        try (Wal wal = open(directory, Lsn.INVALID, WalOptions.DEFAULT)) {
            List<PageWrite> batch = WalTestData.batch(random, 5, 50);
            WalAppend append = wal.append(batch);
            List<PageEntry> replayed = new ArrayList<>();
            wal.replay(Lsn.INVALID, (entries, end) -> {
                assertEquals(append.endLsn(), end);
                replayed.addAll(entries);
            });
            for (int i = 0; i < batch.size(); i++) {
                assertEquals(new PageEntry(batch.get(i).key(), append.recordLsns().get(i), batch.get(i).record()),
                        replayed.get(i));
            }
        }
    }

    /** Each segment after the first starts at the end of the previous one's last frame, and none is oversized. */
    private static void assertSegmentsContiguous(Wal wal, WalTestLog log) throws IOException {
        List<Path> segments = wal.segments();
        for (Path segment : segments) {
            assertTrue(Files.size(segment) <= SMALL_SEGMENTS.segmentBytes(), segment + " exceeds the segment size");
        }
        for (int i = 1; i < segments.size(); i++) {
            Lsn segmentStart = WalFormat.parseSegmentFileName(segments.get(i).getFileName().toString());
            assertTrue(log.frames().stream().anyMatch(frame -> frame.start().equals(segmentStart)),
                    segments.get(i) + " does not start at a frame boundary");
            WalTestLog.Location location = WalTestLog.locate(wal, segmentStart);
            assertEquals(segments.get(i), location.segment());
            assertEquals(WalFormat.HEADER_BYTES, location.offset());
        }
    }
}
