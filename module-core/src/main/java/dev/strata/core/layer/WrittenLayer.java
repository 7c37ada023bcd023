package dev.strata.core.layer;

import static java.util.Objects.requireNonNull;

import dev.strata.api.LayerFileName;
import java.nio.file.Path;

/**
 * A layer file that {@link LayerWriter#finish} made durable under its final name.
 *
 * @param fileName the layer name and generation, whose {@code localFileName()} is the file's name
 * @param path     the final path
 * @param fileSize size of the file in bytes
 * @param reused   true when a file with this name and identical bytes already existed (a retried
 *                 compaction) and the new copy was discarded
 */
public record WrittenLayer(LayerFileName fileName, Path path, long fileSize, boolean reused) {
    public WrittenLayer {
        requireNonNull(fileName, "fileName is null");
        requireNonNull(path, "path is null");
        if (fileSize < 0) {
            throw new IllegalArgumentException("fileSize is negative: " + fileSize);
        }
    }
}
