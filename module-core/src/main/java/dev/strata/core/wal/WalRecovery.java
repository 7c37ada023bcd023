package dev.strata.core.wal;

import dev.strata.api.Lsn;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.io.FileIo;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What {@link Wal#open} does before the WAL takes writes: sweep temp files, find the segments, verify every frame
 * and cut a torn tail off the last segment.
 */
final class WalRecovery {
    private static final System.Logger LOG = System.getLogger(Wal.class.getName());

    /**
     * The state a WAL resumes from.
     *
     * @param segments         all segments, oldest first; the last one is open for appends
     * @param channel          the last segment, open for writing
     * @param openSegmentBytes size of the last segment file (header and valid frames)
     * @param endLsn           end of the last valid frame
     */
    record Recovered(List<Segment> segments, FileChannel channel, long openSegmentBytes, long endLsn) {}

    private WalRecovery() {}

    static Recovered recover(Path directory, Lsn startLsn, FileIo io) throws IOException {
        DurableFiles.createDirectoryDurably(directory);
        List<Segment> segments = listSegments(directory);
        if (segments.isEmpty()) {
            segments.add(Segment.create(directory, startLsn, io));
        }
        long previousEnd = 0;
        for (int i = 0; i < segments.size() - 1; i++) {
            Segment segment = segments.get(i);
            if (i > 0 && segment.start().value() != previousEnd) {
                Segment previous = segments.get(i - 1);
                throw new CorruptWalException(previous.path(), WalFormat.HEADER_BYTES + previousEnd
                        - previous.start().value(), "segment ends at LSN " + Lsn.of(previousEnd)
                        + " but the next segment " + segment.path().getFileName() + " starts at " + segment.start());
            }
            try (FileChannel channel = io.open(segment.path(), StandardOpenOption.READ)) {
                SegmentReader reader = new SegmentReader(segment.path(), channel, segment.start(), channel.size());
                while (reader.next() != null) {
                    // Reading checks every frame's CRC; the entries are not needed here.
                }
                if (reader.problem() != null) {
                    // Only the last segment can have a torn tail: a segment is forced before the next one exists.
                    throw new CorruptWalException(segment.path(), reader.validEnd(), reader.problem());
                }
                previousEnd = reader.lsnAt(reader.validEnd());
            }
        }
        return recoverLastSegment(segments, previousEnd, io);
    }

    private static Recovered recoverLastSegment(List<Segment> segments, long previousEnd, FileIo io)
            throws IOException {
        Segment last = segments.getLast();
        if (segments.size() > 1 && last.start().value() != previousEnd) {
            Segment previous = segments.get(segments.size() - 2);
            throw new CorruptWalException(previous.path(), WalFormat.HEADER_BYTES + previousEnd
                    - previous.start().value(), "segment ends at LSN " + Lsn.of(previousEnd)
                    + " but the next segment " + last.path().getFileName() + " starts at " + last.start());
        }
        FileChannel channel = io.open(last.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        boolean success = false;
        try {
            long size = channel.size();
            SegmentReader reader = new SegmentReader(last.path(), channel, last.start(), size);
            while (reader.next() != null) {
                // Reading checks every frame's CRC; the entries are not needed here.
            }
            long validEnd = reader.validEnd();
            if (reader.problem() != null) {
                // Frames after the last forced one may be torn or written out of order by the kernel; none of
                // them was acknowledged, so cutting at the first bad frame loses nothing that was promised.
                LOG.log(Level.WARNING, "WAL segment {0}: cutting a torn or corrupt tail at offset {1} ({2}); "
                        + "{3} bytes dropped, the log now ends at {4}", last.path(), validEnd, reader.problem(),
                        size - validEnd, Lsn.of(reader.lsnAt(validEnd)));
                channel.truncate(validEnd);
            }
            // Forcing here makes everything the log now holds durable, even bytes that a crashed process left
            // only in the page cache, so durableLsn can start at the end.
            channel.force(true);
            success = true;
            return new Recovered(segments, channel, validEnd, reader.lsnAt(validEnd));
        } finally {
            if (!success) {
                channel.close();
            }
        }
    }

    /** Removes temp files, rejects unknown files and returns the segments, oldest first. */
    private static List<Segment> listSegments(Path directory) throws IOException {
        List<Segment> segments = new ArrayList<>();
        boolean removedTemp = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
                    LOG.log(Level.INFO, "removing WAL temp file {0} left by an earlier crash", entry);
                    Files.delete(entry);
                    removedTemp = true;
                    continue;
                }
                Lsn start = WalFormat.parseSegmentFileName(name);
                if (start == null || !Files.isRegularFile(entry)) {
                    throw new IOException("unrecognised file " + entry + " in WAL directory " + directory
                            + ": it holds only <16 upper-case hex digits>.wal segments; move the file away to load");
                }
                segments.add(new Segment(start, entry));
            }
        }
        if (removedTemp) {
            DurableFiles.fsyncDirectory(directory);
        }
        segments.sort(Comparator.comparing(Segment::start));
        return segments;
    }
}
