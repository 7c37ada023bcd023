package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.RemoteStorageException;
import java.util.List;

/**
 * The deletion step: what becomes of remote objects that no uploaded index references any more.
 *
 * <p>An implementation either deletes the objects before it returns or takes responsibility for deleting them
 * later (persisting the request first), and returns only once that responsibility is durable. A deletion of
 * an object that does not exist succeeds. Deletions may be held back until the control plane confirms that
 * {@code generation} is still current (INVARIANTS 11).
 */
public interface RemoteDeletions {
    /**
     * Deletes (or durably accepts for deletion) {@code keys}, all of objects of one timeline written under
     * {@code generation}.
     *
     * @throws RemoteStorageException when the request could not be carried out or accepted; the caller retries
     */
    void delete(TenantId tenant, TimelineId timeline, Generation generation, List<String> keys)
            throws RemoteStorageException;
}
