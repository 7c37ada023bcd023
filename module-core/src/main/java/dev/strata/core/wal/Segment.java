package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Lsn;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.io.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** One segment file of a WAL: where it starts in the log and where it lives. */
record Segment(Lsn start, Path path) {
    Segment {
        requireNonNull(start, "start is null");
        requireNonNull(path, "path is null");
    }

    /**
     * Creates the segment that starts at {@code start} in {@code directory}, crash-safely: the header is written to
     * {@code <name>.___temp} and forced, the temp file is renamed to its final name without replacing anything,
     * and the directory is forced. A crash therefore leaves either no segment or one with a valid header (plus,
     * perhaps, a temp file that the next open removes). On failure the temp file is removed.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the segment exists already: a WAL never overwrites one
     */
    static Segment create(Path directory, Lsn start, FileIo io) throws IOException {
        Path target = directory.resolve(WalFormat.segmentFileName(start));
        Path temp = directory.resolve(target.getFileName() + DurableFiles.TEMP_SUFFIX);
        boolean success = false;
        try {
            try (FileChannel channel = io.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer header = WalFormat.encodeHeader(start);
                writeFully(channel, header, 0);
                channel.force(true);
            }
            DurableFiles.renameNoReplace(temp, target);
            DurableFiles.fsyncDirectory(directory);
            success = true;
        } finally {
            if (!success) {
                deleteQuietly(temp);
            }
        }
        return new Segment(start, target);
    }

    /**
     * Turns the spare file {@code spare} into the segment that starts at {@code start} in {@code directory},
     * crash-safely: the new header is written over the old one and forced, the file is renamed to its segment name
     * without replacing anything, and the directory is forced. A crash leaves either the spare (with either header,
     * which nothing reads) or a segment with a valid header whose old frames fail their CRCs, so it reads as empty.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the segment exists already
     */
    static Segment recycle(Path spare, Path directory, Lsn start, FileIo io) throws IOException {
        Path target = directory.resolve(WalFormat.segmentFileName(start));
        try (FileChannel channel = io.open(spare, StandardOpenOption.WRITE)) {
            writeFully(channel, WalFormat.encodeHeader(start), 0);
            // The header overwrites bytes the file has, so its size and block map stay as they are.
            channel.force(false);
        }
        DurableFiles.renameNoReplace(spare, target);
        DurableFiles.fsyncDirectory(directory);
        return new Segment(start, target);
    }

    /** Writes all of {@code buffer} at {@code position}: a single write call unless the kernel writes short. */
    static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // The original failure matters more; the next open sweeps temp files anyway.
            System.getLogger(Segment.class.getName()).log(System.Logger.Level.WARNING,
                    "could not remove WAL temp file " + temp, e);
        }
    }
}
