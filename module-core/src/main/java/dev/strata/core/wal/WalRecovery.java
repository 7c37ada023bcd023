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
 * What {@link Wal#open} does before the WAL takes writes: sweep temp files, find the segments and spare files,
 * verify every frame and cut a torn tail (or the stale bytes of a reused file) off the last segment.
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
     * @param spares           spare files to write later segments into, at most as many as the options allow
     */
    record Recovered(List<Segment> segments, FileChannel channel, long openSegmentBytes, long endLsn,
                     List<Path> spares) {}

    private WalRecovery() {}

    static Recovered recover(Path directory, Lsn startLsn, FileIo io, int maxSpares) throws IOException {
        DurableFiles.createDirectoryDurably(directory);
        List<Path> spares = new ArrayList<>();
        List<Segment> segments = listSegments(directory, spares, maxSpares);
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
        return recoverLastSegment(segments, previousEnd, io, spares);
    }

    private static Recovered recoverLastSegment(List<Segment> segments, long previousEnd, FileIo io,
                                                List<Path> spares) throws IOException {
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
                // them was acknowledged, so cutting at the first bad frame loses nothing that was promised. A
                // reused file also ends in the stale frames of its earlier use. Cutting them keeps any later
                // frame at these LSNs from being mistaken for one that was written after the cut.
                LOG.log(Level.WARNING, "WAL segment {0}: cutting a torn tail, or the stale bytes of a reused file, "
                        + "at offset {1} ({2}); {3} bytes dropped, the log now ends at {4}", last.path(), validEnd,
                        reader.problem(), size - validEnd, Lsn.of(reader.lsnAt(validEnd)));
                channel.truncate(validEnd);
            }
            // Forcing here makes everything the log now holds durable, even bytes that a crashed process left
            // only in the page cache, so durableLsn can start at the end.
            channel.force(true);
            success = true;
            return new Recovered(segments, channel, validEnd, reader.lsnAt(validEnd), spares);
        } finally {
            if (!success) {
                channel.close();
            }
        }
    }

    /**
     * Removes temp files, rejects unknown files and returns the segments, oldest first. Adds up to
     * {@code maxSpares} spare files to {@code spares} and removes the others.
     */
    private static List<Segment> listSegments(Path directory, List<Path> spares, int maxSpares) throws IOException {
        List<Segment> segments = new ArrayList<>();
        boolean removedFiles = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.endsWith(DurableFiles.TEMP_SUFFIX)) {
                    LOG.log(Level.INFO, "removing WAL temp file {0} left by an earlier crash", entry);
                    Files.delete(entry);
                    removedFiles = true;
                    continue;
                }
                if (WalFormat.isSpareFileName(name) && Files.isRegularFile(entry)) {
                    if (spares.size() < maxSpares) {
                        spares.add(entry);
                    } else {
                        Files.delete(entry);
                        removedFiles = true;
                    }
                    continue;
                }
                Lsn start = WalFormat.parseSegmentFileName(name);
                if (start == null || !Files.isRegularFile(entry)) {
                    throw new IOException("unrecognised file " + entry + " in WAL directory " + directory
                            + ": it holds only <16 upper-case hex digits>.wal segments and their .wal.spare files; move the file"
                            + " away to load");
                }
                segments.add(new Segment(start, entry));
            }
        }
        if (removedFiles) {
            DurableFiles.fsyncDirectory(directory);
        }
        segments.sort(Comparator.comparing(Segment::start));
        return segments;
    }
}
