package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.remote.RetryingStorage;
import java.util.List;
import java.util.Objects;

/**
 * Deletes at once, in batches, without asking anyone: right for a node whose control plane is {@code local}
 * (it is the only writer of its bucket, so every generation it holds is current).
 */
public final class ImmediateDeletions implements RemoteDeletions {
    private final RetryingStorage storage;

    public ImmediateDeletions(RetryingStorage storage) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
    }

    @Override
    public void delete(TenantId tenant, TimelineId timeline, Generation generation, List<String> keys)
            throws RemoteStorageException {
        if (keys.isEmpty()) {
            return;
        }
        List<DeleteResult> results = storage.deleteBatch(keys, CallContext.NONE);
        for (DeleteResult result : results) {
            if (result.error().isPresent()) {
                throw result.error().get();
            }
        }
    }
}
