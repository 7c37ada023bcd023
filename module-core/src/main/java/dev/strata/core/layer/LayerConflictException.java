package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A layer was about to be published under a name that already exists with different bytes. Layer files are
 * never overwritten (caches and other nodes' indexes describe the existing bytes), so this is reported as a
 * bug rather than resolved; the existing file is left unchanged and the new copy is discarded.
 */
public final class LayerConflictException extends IOException {
    private final Path path;

    public LayerConflictException(Path path, String detail) {
        super("layer file " + requireNonNull(path, "path is null") + " already exists with different contents ("
                + requireNonNull(detail, "detail is null") + "); it is never overwritten");
        this.path = path;
    }

    /** The existing file that was left in place. */
    public Path path() {
        return path;
    }
}
