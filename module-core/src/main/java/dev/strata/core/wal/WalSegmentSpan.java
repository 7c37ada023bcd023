package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Lsn;
import java.nio.file.Path;

/**
 * Where one segment of a {@link Wal} lies in the log, as {@link Wal#segmentSpans()} saw it.
 *
 * @param path   the segment file
 * @param start  the segment's start LSN (its file name)
 * @param end    for a closed segment where the next one starts; for the open segment the durable LSN (never
 *               below {@code start})
 * @param closed whether the WAL has moved on to a later segment: a closed segment's bytes never change again
 *               until it is trimmed, and while a {@link Wal#pinSegments()} pin is open not even then
 */
public record WalSegmentSpan(Path path, Lsn start, Lsn end, boolean closed) {
    public WalSegmentSpan {
        requireNonNull(path, "path is null");
        requireNonNull(start, "start is null");
        requireNonNull(end, "end is null");
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("segment " + path + " ends at " + end + ", before its start " + start);
        }
    }

    /** The file name of the segment ({@code <start:016X>.wal}). */
    public String fileName() {
        return path.getFileName().toString();
    }

    /** How many bytes of the segment file hold the log up to {@link #end()}: the header plus the frames. */
    public long bytesToEnd() {
        return Wal.segmentBytesUpTo(start, end);
    }
}
