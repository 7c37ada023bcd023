package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code immediate} executor: one batch delete per call through the remote storage. A key the backend
 * reports as not found counts as deleted.
 */
final class ImmediateDeletionExecutor implements DeletionExecutor {
    private final RemoteStorage storage;

    ImmediateDeletionExecutor(RemoteStorage storage) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
    }

    @Override
    public int maxKeysPerCall() {
        return Math.max(1, storage.maxKeysPerDelete());
    }

    @Override
    public List<DeleteResult> delete(List<String> keys, CallContext context) throws RemoteStorageException {
        List<DeleteResult> results = new ArrayList<>(keys.size());
        for (DeleteResult result : storage.deleteBatch(keys, context)) {
            results.add(result.error().orElse(null) instanceof RemoteStorageException.NotFound
                    ? DeleteResult.deleted(result.key()) : result);
        }
        return results;
    }

    @Override
    public String toString() {
        return "immediate deletion over " + storage;
    }
}
