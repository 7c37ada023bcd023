package dev.strata.core.index;

import dev.strata.api.Generation;
import java.util.Objects;

/** What an index says about one layer: its exact size and the generation that wrote it. */
public record LayerMetadata(long fileSize, Generation generation) {
    public LayerMetadata {
        Objects.requireNonNull(generation, "generation is null");
    }
}
