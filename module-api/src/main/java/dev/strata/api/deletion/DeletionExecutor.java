package dev.strata.api.deletion;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.RemoteStorageException;
import java.util.List;

/**
 * The last step of a deletion: what becomes of remote objects whose deletion the control plane validated.
 * Core's deletion queue persists, validates and retries; an executor only carries out one batch.
 *
 * <p>Contract: an object that does not exist counts as deleted. Each key's outcome is reported on its own, so
 * a failure of one key does not fail the batch; the queue retries failed keys (with backoff) until they
 * succeed. A call may be repeated for keys it already handled (after a crash), so handling a key must be
 * idempotent. Implementations are thread-safe.
 */
public interface DeletionExecutor extends AutoCloseable {
    /** The most keys one {@link #delete} call accepts. */
    int maxKeysPerCall();

    /**
     * Deletes (or disposes of, as this executor defines) {@code keys}, at most {@link #maxKeysPerCall()}.
     *
     * @return one result per key, in the order of {@code keys}
     * @throws RemoteStorageException when the whole call failed (no key is known to be handled)
     */
    List<DeleteResult> delete(List<String> keys, CallContext context) throws RemoteStorageException;

    /**
     * Periodic housekeeping the executor needs (purging expired trash); called by the queue now and then from
     * one thread. Does nothing by default.
     */
    default void maintain(CallContext context) throws RemoteStorageException {
    }

    @Override
    default void close() {
    }
}
