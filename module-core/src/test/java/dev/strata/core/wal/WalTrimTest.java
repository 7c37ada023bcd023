package dev.strata.core.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Trimming whole closed segments that the layers already cover. */
final class WalTrimTest {
    private static final WalOptions SMALL_SEGMENTS = WalOptions.DEFAULT.withSegmentBytes(WalOptions.MIN_SEGMENT_BYTES);

    @RegisterExtension
    final TestSeed seed = new TestSeed();

    @TempDir
    Path directory;

    private Wal open() throws IOException {
        return Wal.open(directory, Lsn.INVALID, SMALL_SEGMENTS, FileIo.DEFAULT, Failpoints.disabled());
    }

    private static Lsn startOf(Path segment) {
        return WalFormat.parseSegmentFileName(segment.getFileName().toString());
    }

    @Test
    void trimDeletesOnlyClosedSegmentsWhoseFramesAllEndAtOrBelowTheLimit() throws IOException {
        Random random = seed.random();
        WalTestLog log = new WalTestLog();
        try (Wal wal = open()) {
            while (wal.segments().size() < 5) {
                log.append(wal, WalTestData.batch(random, 1 + random.nextInt(6), 900));
            }
            List<Path> segments = wal.segments();
            // Segment 1 ends where segment 2 starts: one LSN short of that keeps segment 1.
            Lsn endOfSecond = startOf(segments.get(2));
            assertEquals(1, wal.trim(endOfSecond.plus(-1)));
            assertFalse(Files.exists(segments.get(0)));
            assertTrue(Files.exists(segments.get(1)));
            assertEquals(1, wal.trim(endOfSecond));
            assertFalse(Files.exists(segments.get(1)));
            assertEquals(segments.subList(2, segments.size()), wal.segments());
            assertEquals(0, wal.trim(endOfSecond), "trimming again is a no-op");

            // Replay from the first kept frame still works; from before it is refused.
            log.assertReplays(wal, endOfSecond);
            assertThrows(IllegalArgumentException.class, () -> wal.replay(endOfSecond.plus(-1), (e, end) -> { }));

            // Even a limit past the end keeps the open segment.
            assertEquals(2, wal.trim(Lsn.MAX));
            assertEquals(List.of(segments.getLast()), wal.segments());
            assertTrue(Files.exists(segments.getLast()));
            log.append(wal, WalTestData.batch(random, 2, 100));
        }
        try (Wal wal = open()) {
            assertEquals(log.frames().getLast().end(), wal.endLsn(), "reopen after trim continues at the end");
            log.assertReplays(wal, startOf(wal.segments().getFirst()));
        }
    }

    @Test
    void trimBelowTheFirstSegmentEndDeletesNothing() throws IOException {
        Random random = seed.random();
        try (Wal wal = open()) {
            while (wal.segments().size() < 3) {
                wal.append(WalTestData.batch(random, 3, 900));
            }
            assertEquals(0, wal.trim(Lsn.INVALID));
            assertEquals(0, wal.trim(startOf(wal.segments().get(1)).plus(-1)));
            assertEquals(3, wal.segments().size());
        }
    }
}
