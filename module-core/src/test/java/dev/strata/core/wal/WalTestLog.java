package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Lsn;
import dev.strata.core.page.PageEntry;
import dev.strata.api.PageRecordCodec;
import dev.strata.core.page.PageWrite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a WAL test expects the log to hold: every appended frame with its start, end and entries, checked for the
 * LSN arithmetic of the format as it is recorded.
 */
final class WalTestLog {
    /** One appended (or replayed) frame. */
    record Frame(Lsn start, Lsn end, List<PageEntry> entries) {
        Frame {
            requireNonNull(start, "start is null");
            requireNonNull(end, "end is null");
            entries = List.copyOf(entries);
        }
    }

    private final List<Frame> frames = new ArrayList<>();

    /** Appends {@code batch}, checks the LSNs it was given against the format, and records the frame. */
    Frame append(Wal wal, List<PageWrite> batch) throws IOException {
        Lsn start = wal.endLsn();
        WalAppend append = wal.append(batch);
        Frame frame = record(start, batch, append);
        assertEquals(append.endLsn(), wal.endLsn(), "endLsn after an append is the frame end");
        return frame;
    }

    /** Records a frame appended at {@code start}, checking the LSN arithmetic. */
    Frame record(Lsn start, List<PageWrite> batch, WalAppend append) {
        assertEquals(batch.size(), append.recordLsns().size(), "one LSN per record");
        List<PageEntry> entries = new ArrayList<>(batch.size());
        // The first record's LSN is the frame start plus frame header, record count, record header and record.
        long expected = start.value() + WalFormat.FRAME_HEADER_BYTES + 4;
        for (int i = 0; i < batch.size(); i++) {
            expected += WalFormat.RECORD_HEADER_BYTES
                    + PageRecordCodec.encodedSize(batch.get(i).record());
            Lsn lsn = append.recordLsns().get(i);
            assertEquals(Lsn.of(expected), lsn, "LSN of record " + i + " is the end offset of the record");
            assertTrue(lsn.isAfter(start), "record LSNs lie after the frame start");
            entries.add(new PageEntry(batch.get(i).key(), lsn, batch.get(i).record()));
        }
        assertEquals(append.recordLsns().getLast(), append.endLsn(), "the frame ends at the last record's LSN");
        Frame frame = new Frame(start, append.endLsn(), entries);
        frames.add(frame);
        return frame;
    }

    List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** The frames a replay after {@code after} must deliver. */
    List<Frame> framesAfter(Lsn after) {
        return frames.stream().filter(frame -> frame.end().isAfter(after)).toList();
    }

    void truncateTo(int frameCount) {
        frames.subList(frameCount, frames.size()).clear();
    }

    /** Everything {@code wal} replays after {@code after}, with the frame start taken from the previous end. */
    static List<Frame> replay(Wal wal, Lsn after) throws IOException {
        List<Frame> replayed = new ArrayList<>();
        wal.replay(after, (entries, frameEnd) -> {
            Lsn start = replayed.isEmpty() ? Lsn.INVALID : replayed.getLast().end();
            replayed.add(new Frame(start, frameEnd, entries));
        });
        return replayed;
    }

    /** Asserts that {@code wal} replays exactly the recorded frames after {@code after} (starts not compared). */
    void assertReplays(Wal wal, Lsn after) throws IOException {
        List<Frame> replayed = replay(wal, after);
        List<Frame> expected = framesAfter(after);
        assertEquals(expected.size(), replayed.size(), "number of frames replayed after " + after);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).end(), replayed.get(i).end(), "end of frame " + i);
            assertEquals(expected.get(i).entries(), replayed.get(i).entries(), "entries of frame " + i);
        }
    }

    /** The segment file holding the frame that starts at {@code frameStart}, and the frame's offset in it. */
    static Location locate(Wal wal, Lsn frameStart) {
        Path found = null;
        Lsn foundStart = null;
        for (Path segment : wal.segments()) {
            Lsn segmentStart = WalFormat.parseSegmentFileName(segment.getFileName().toString());
            if (!segmentStart.isAfter(frameStart)) {
                found = segment;
                foundStart = segmentStart;
            }
        }
        requireNonNull(found, "no segment holds " + frameStart);
        return new Location(found, WalFormat.HEADER_BYTES + frameStart.value() - foundStart.value());
    }

    record Location(Path segment, long offset) {}
}
