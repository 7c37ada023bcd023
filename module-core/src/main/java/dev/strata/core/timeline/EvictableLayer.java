package dev.strata.core.timeline;

import dev.strata.api.LayerFileName;
import java.util.Objects;

/**
 * A resident layer that remote storage holds, so its local file may be deleted.
 *
 * @param lastAccessNanos {@link System#nanoTime()} of its last read, download or creation
 */
public record EvictableLayer(Timeline timeline, LayerFileName fileName, long fileSize, long lastAccessNanos) {
    public EvictableLayer {
        Objects.requireNonNull(timeline, "timeline is null");
        Objects.requireNonNull(fileName, "fileName is null");
    }
}
