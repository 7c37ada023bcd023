package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A layer file's bytes are not a valid layer: a checksum mismatch, a truncated file, a structure that
 * contradicts itself or the file name. The message names the file and the byte offset of the damaged part
 * (the start of the trailer, summary, index or data block), so an operator can find it and the caller can
 * mark the timeline broken or download the layer again while other tenants keep being served.
 */
public final class CorruptLayerException extends IOException {
    private final Path path;
    private final long offset;

    public CorruptLayerException(Path path, long offset, String detail) {
        this(path, offset, detail, null);
    }

    public CorruptLayerException(Path path, long offset, String detail, Throwable cause) {
        super("corrupt layer file " + requireNonNull(path, "path is null") + " at offset " + offset + ": "
                + requireNonNull(detail, "detail is null"), cause);
        this.path = path;
        this.offset = offset;
    }

    /** The damaged file. */
    public Path path() {
        return path;
    }

    /** File offset of the damaged section or block. */
    public long offset() {
        return offset;
    }
}
