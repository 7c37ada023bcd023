package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.RemoteStorageException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The deletion step: what becomes of remote objects that no uploaded index references any more, and when an
 * uploaded {@code remote_consistent_lsn} becomes visible.
 *
 * <p>An implementation either deletes the objects before it returns or accepts them for deletion later. A
 * deletion of an object that does not exist succeeds. Deletions may be held back until the control plane
 * confirms that {@code generation} is still current (INVARIANTS 11); an accepted deletion that a crash loses
 * before it was persisted leaks the objects (the scrubber finds them), it never deletes what an index needs.
 */
public interface RemoteDeletions {
    /**
     * Deletes (or accepts for deletion) {@code keys}, all of objects of one timeline written or replaced under
     * {@code generation}, after the index that no longer references them was uploaded.
     *
     * @throws RemoteStorageException when the request could not be carried out or accepted; the caller retries
     */
    void delete(TenantId tenant, TimelineId timeline, Generation generation, List<String> keys)
            throws RemoteStorageException;

    /**
     * An index uploaded under {@code generation} made {@code projected} the timeline's projected
     * {@code remote_consistent_lsn}; {@code onVisible} is called with it once it may become visible (WAL below
     * it may then be trimmed), possibly on another thread, never if the generation turns out stale. By default
     * at once, on the calling thread: right when this node is the only writer of its bucket.
     */
    default void remoteConsistentLsnProjected(TenantId tenant, TimelineId timeline, Generation generation, Lsn projected,
                                              Consumer<Lsn> onVisible) {
        onVisible.accept(projected);
    }
}
