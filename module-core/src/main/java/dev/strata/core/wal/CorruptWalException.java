package dev.strata.core.wal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A WAL segment holds bytes that are not what the WAL wrote: a bad header, a frame whose CRC32C does not match
 * anywhere except the tail of the last segment, a gap between segments, or a checksummed frame that does not
 * decode. Names the file and the byte offset in it where the bad data starts, so an operator can inspect it.
 */
public final class CorruptWalException extends IOException {
    private final Path path;
    private final long offset;

    public CorruptWalException(Path path, long offset, String reason) {
        super("corrupt WAL segment " + requireNonNull(path, "path is null") + " at offset " + offset + ": "
                + requireNonNull(reason, "reason is null"));
        this.path = path;
        this.offset = offset;
    }

    /** The segment file. */
    public Path path() {
        return path;
    }

    /** Byte offset in {@link #path()} where the bad header or frame starts. */
    public long offset() {
        return offset;
    }
}
