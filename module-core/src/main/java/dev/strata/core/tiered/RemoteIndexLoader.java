package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.index.IndexPart;
import dev.strata.core.index.InvalidIndexException;
import dev.strata.core.remote.RetryingStorage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.logging.log4j.CloseableThreadContext;

/**
 * Finds and reads the remote index an attachment starts from (FORMATS.md, "Remote layout").
 *
 * <p>For an attachment in generation {@code g} the index is, in this order:
 * <ol>
 *   <li>{@code index_part.json-<g>}, if it exists (an attachment that is itself stale may already have written
 *       one);</li>
 *   <li>{@code index_part.json-<g-1>} (the usual case after a restart or migration; before generation 0 comes
 *       the legacy key);</li>
 *   <li>otherwise, from a listing of {@code …/index_part.json*}, the one of the highest generation {@code <= g};</li>
 *   <li>otherwise the legacy key {@code index_part.json} without a suffix.</li>
 * </ol>
 * An index of a generation newer than {@code g} is never used. An attachment without generations
 * ({@link Generation#NONE}) reads only the legacy key. "No index" is the answer only when the timeline has no
 * index object at all; if it has only indexes of newer generations the attachment is stale and {@link #load}
 * fails.
 *
 * <p>Defence against a generation number issued backwards: if the chosen index was stored longer ago than
 * the stale-index threshold and an index of a higher generation than the chosen one exists,
 * {@link #load} fails with {@link RemoteIndexException.NewerIndexExists} instead of returning the old index.
 * An old index by itself is normal (an idle timeline); only the combination is refused. A last-modified time
 * in the future counts as age zero.
 *
 * <p>Storage errors other than "not found" on the probes are thrown as they are, never taken for a missing
 * index; calls are retried by the {@link RetryingStorage} given. A failure while reading an index's bytes is
 * thrown too: loading has no side effects, so the caller may simply call again.
 */
public final class RemoteIndexLoader {
    /** The pageserver's threshold: an index stored more than 14 days ago triggers the check for newer ones. */
    public static final Duration DEFAULT_STALE_INDEX_AGE = Duration.ofDays(14);

    private static final System.Logger LOG = System.getLogger(RemoteIndexLoader.class.getName());

    private final RetryingStorage storage;
    private final RemoteLayout layout;
    private final Duration staleIndexAge;
    private final Clock clock;

    /**
     * @param staleIndexAge how long ago an index must have been stored before {@link #load} checks that no newer
     *     generation's index exists; positive
     * @param clock the time the index's age is measured against
     */
    public RemoteIndexLoader(RetryingStorage storage, RemoteLayout layout, Duration staleIndexAge, Clock clock) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.layout = Objects.requireNonNull(layout, "layout is null");
        this.staleIndexAge = Objects.requireNonNull(staleIndexAge, "staleIndexAge is null");
        if (staleIndexAge.isNegative() || staleIndexAge.isZero()) {
            throw new IllegalArgumentException("staleIndexAge must be positive: " + staleIndexAge);
        }
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    /** The pageserver's threshold ({@link #DEFAULT_STALE_INDEX_AGE}) and the system clock. */
    public RemoteIndexLoader(RetryingStorage storage, RemoteLayout layout) {
        this(storage, layout, DEFAULT_STALE_INDEX_AGE, Clock.systemUTC());
    }

    /**
     * The index an attachment of {@code tenant} in generation {@code own} loads for {@code timeline}.
     *
     * @return empty if the timeline has no index at all (no key under its index prefix, no legacy key)
     * @throws RemoteIndexException.Malformed if the chosen index does not parse (the message names its key)
     * @throws RemoteIndexException.NewerIndexExists if the chosen index is stale and a newer generation's exists
     * @throws RemoteIndexException.OnlyNewerGenerations if indexes exist, but only of generations after {@code own}
     * @throws RemoteStorageException if a storage call fails, including a listed index that vanished before it
     *     could be read (a concurrent deletion); cancellation and the deadline of {@code context} end the search
     */
    public Optional<LoadedIndex> load(TenantId tenant, TimelineId timeline, Generation own, CallContext context)
            throws RemoteStorageException, RemoteIndexException {
        Objects.requireNonNull(tenant, "tenant is null");
        Objects.requireNonNull(timeline, "timeline is null");
        Objects.requireNonNull(own, "own is null");
        Objects.requireNonNull(context, "context is null");
        try (CloseableThreadContext.Instance _ = CloseableThreadContext.put("tenant_id", tenant.hex())
                .put("timeline_id", timeline.hex()).put("generation", own.toString())) {
            Optional<LoadedIndex> found = find(tenant, timeline, own, context);
            if (found.isPresent()) {
                refuseIfStale(tenant, timeline, found.get(), context);
            }
            return found;
        }
    }

    private Optional<LoadedIndex> find(TenantId tenant, TimelineId timeline, Generation own, CallContext context)
            throws RemoteStorageException, RemoteIndexException {
        String legacyKey = layout.indexKey(tenant, timeline, Generation.NONE);
        if (own.isNone()) {
            Optional<LoadedIndex> legacy = probe(legacyKey, context);
            return legacy.isPresent() ? legacy : nothingUsable(own, listIndexes(tenant, timeline, context));
        }
        Optional<LoadedIndex> current = probe(layout.indexKey(tenant, timeline, own), context);
        if (current.isPresent()) {
            return current;
        }
        Generation previous = previous(own);
        Optional<LoadedIndex> earlier = probe(layout.indexKey(tenant, timeline, previous), context);
        if (earlier.isPresent()) {
            return earlier;
        }
        List<IndexObject> listed = listIndexes(tenant, timeline, context);
        Optional<IndexObject> best = listed.stream()
                .filter(candidate -> candidate.generation().compareTo(own) <= 0)
                .max(Comparator.comparing(IndexObject::generation));
        if (best.isPresent()) {
            LOG.log(Level.INFO, "no index of generation {0} or the one before; loading {1}, found by listing", own,
                    best.get().object().key());
            return Optional.of(read(best.get().object().key(), best.get().generation(), context));
        }
        if (!previous.isNone()) { // else the legacy key was the previous generation's probe
            Optional<LoadedIndex> legacy = probe(legacyKey, context);
            if (legacy.isPresent()) {
                return legacy;
            }
        }
        return nothingUsable(own, listed);
    }

    /** Empty if the timeline has no index; if it has indexes, they are all newer than {@code own}: an error. */
    private static Optional<LoadedIndex> nothingUsable(Generation own, List<IndexObject> listed)
            throws RemoteIndexException {
        if (listed.isEmpty()) {
            return Optional.empty();
        }
        throw new RemoteIndexException.OnlyNewerGenerations(own,
                listed.stream().map(candidate -> candidate.object().key()).toList());
    }

    private void refuseIfStale(TenantId tenant, TimelineId timeline, LoadedIndex chosen, CallContext context)
            throws RemoteStorageException, RemoteIndexException {
        Duration age = Duration.between(chosen.lastModified(), clock.instant()).withNanos(0);
        if (age.isNegative() || age.compareTo(staleIndexAge) <= 0) {
            return;
        }
        LOG.log(Level.INFO, "loaded index {0} of generation {1}, stored {2} ago; checking for newer indexes",
                chosen.key(), chosen.generation(), age);
        Optional<IndexObject> newest = listIndexes(tenant, timeline, context).stream()
                .max(Comparator.comparing(IndexObject::generation));
        if (newest.isPresent() && newest.get().generation().compareTo(chosen.generation()) > 0) {
            RemoteIndexException.NewerIndexExists error = new RemoteIndexException.NewerIndexExists(chosen.key(),
                    chosen.generation(), chosen.lastModified(), age, staleIndexAge, newest.get().object().key(),
                    newest.get().generation(), newest.get().object().lastModified());
            LOG.log(Level.ERROR, error.getMessage());
            throw error;
        }
    }

    /** Reads {@code key} if it exists; every error other than "not found" is thrown. */
    private Optional<LoadedIndex> probe(String key, CallContext context)
            throws RemoteStorageException, RemoteIndexException {
        Generation generation = RemoteLayout.indexGeneration(key).orElseThrow();
        try {
            return Optional.of(read(key, generation, context));
        } catch (RemoteStorageException.NotFound e) {
            return Optional.empty();
        }
    }

    private LoadedIndex read(String key, Generation generation, CallContext context)
            throws RemoteStorageException, RemoteIndexException {
        byte[] bytes;
        Instant lastModified;
        try (ObjectContent content = storage.get(key, ByteRange.WHOLE, Optional.empty(), context)) {
            lastModified = content.metadata().lastModified();
            bytes = content.readAllBytes();
        } catch (RemoteStorageException e) {
            throw e;
        } catch (IOException e) {
            throw new RemoteStorageException.Permanent("get", key, "reading the index failed: " + e, e);
        }
        try {
            return new LoadedIndex(IndexPart.parse(bytes), generation, key, lastModified);
        } catch (InvalidIndexException e) {
            throw new RemoteIndexException.Malformed(key, e);
        }
    }

    /** Every index object of the timeline with its generation; other keys under the prefix are ignored. */
    private List<IndexObject> listIndexes(TenantId tenant, TimelineId timeline, CallContext context)
            throws RemoteStorageException {
        List<IndexObject> indexes = new ArrayList<>();
        for (ObjectMetadata object : storage.listAll(layout.indexPrefix(tenant, timeline), context)) {
            Optional<Generation> generation = RemoteLayout.indexGeneration(object.key());
            // The prefix also matches names such as "index_part.json.tmp" or keys below a directory of that name.
            if (generation.isPresent() && object.key().equals(layout.indexKey(tenant, timeline, generation.get()))) {
                indexes.add(new IndexObject(object, generation.get()));
            }
        }
        return indexes;
    }

    /** The generation before {@code generation}; before 0 comes {@link Generation#NONE}, as in an upgrade. */
    static Generation previous(Generation generation) {
        return generation.isNone() || generation.value() == 0 ? Generation.NONE : Generation.of(generation.value() - 1);
    }

    private record IndexObject(ObjectMetadata object, Generation generation) {}

    @Override
    public String toString() {
        return "RemoteIndexLoader[" + layout + ", stale after " + staleIndexAge + "]";
    }
}
