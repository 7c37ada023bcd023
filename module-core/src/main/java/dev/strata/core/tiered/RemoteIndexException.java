package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.core.index.InvalidIndexException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A timeline's remote index exists but must not be used to attach. Failures of the storage calls themselves
 * are {@link dev.strata.api.remote.RemoteStorageException}s, not these; callers branch on the subclass, and
 * every message names the keys involved.
 */
public abstract sealed class RemoteIndexException extends Exception
        permits RemoteIndexException.Malformed, RemoteIndexException.NewerIndexExists,
                RemoteIndexException.OnlyNewerGenerations {
    private final String key;

    private RemoteIndexException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = Objects.requireNonNull(key, "key is null");
    }

    /** The index object the error is about: the one that was chosen, or the first one found. */
    public String key() {
        return key;
    }

    /** The chosen index does not parse; the cause says which field and value are wrong. */
    public static final class Malformed extends RemoteIndexException {
            Malformed(String key, InvalidIndexException cause) {
            super(key, "remote index " + key + " cannot be used: " + cause.getMessage(), cause);
        }
    }

    /**
     * The chosen index is older than the stale-index threshold while an index of a newer generation exists.
     * Generations only grow, so loading an old index is expected only when it is the latest one: this
     * combination points at a generation number issued backwards, and attaching from the old index would
     * lose what the newer generation wrote.
     */
    public static final class NewerIndexExists extends RemoteIndexException {
            private final String newerKey;
        private final Generation newerGeneration;

        NewerIndexExists(String key, Generation generation, Instant lastModified, Duration age, Duration threshold,
                String newerKey, Generation newerGeneration, Instant newerLastModified) {
            super(key, "remote index " + key + " (generation " + generation + ", stored " + lastModified + ", "
                    + age + " ago, more than the threshold of " + threshold + ") is not the"
                    + " latest: " + newerKey + " (generation " + newerGeneration + ", stored " + newerLastModified
                    + ") is newer; refusing to attach from the older one", null);
            this.newerKey = Objects.requireNonNull(newerKey, "newerKey is null");
            this.newerGeneration = Objects.requireNonNull(newerGeneration, "newerGeneration is null");
        }

        /** The index of the highest generation, newer than {@link #key()}. */
        public String newerKey() {
            return newerKey;
        }

        public Generation newerGeneration() {
            return newerGeneration;
        }
    }

    /**
     * Every index of the timeline is from a generation newer than the caller's: the timeline exists, but this
     * attachment is stale and must not read (let alone write) it.
     */
    public static final class OnlyNewerGenerations extends RemoteIndexException {
            private final List<String> newerKeys;

        OnlyNewerGenerations(Generation own, List<String> newerKeys) {
            super(newerKeys.getFirst(), "every remote index of the timeline is from a generation newer than ours ("
                    + own + "): " + newerKeys, null);
            this.newerKeys = List.copyOf(newerKeys);
        }

        /** The index keys found, all of newer generations. */
        public List<String> newerKeys() {
            return newerKeys;
        }
    }
}
