package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.remote.RemoteKeys;
import dev.strata.core.index.IndexPart;
import java.time.Instant;
import java.util.Objects;

/**
 * A timeline's index as {@link RemoteIndexLoader} found it in remote storage.
 *
 * @param index the parsed document; it may carry a deletion tombstone ({@link #deleted()})
 * @param generation the generation that wrote it, taken from the key ({@link Generation#NONE} for the legacy key)
 * @param key the object it was read from
 * @param lastModified when the object was stored, as the backend reports it
 */
public record LoadedIndex(IndexPart index, Generation generation, String key, Instant lastModified) {
    public LoadedIndex {
        Objects.requireNonNull(index, "index is null");
        Objects.requireNonNull(generation, "generation is null");
        RemoteKeys.requireValid(key);
        Objects.requireNonNull(lastModified, "lastModified is null");
    }

    /** True if the index says the timeline is being deleted ({@code deleted_at} is set). */
    public boolean deleted() {
        return index.deletedAt() != null;
    }
}
