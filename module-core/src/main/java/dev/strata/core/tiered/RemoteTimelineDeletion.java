package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.index.IndexPart;
import dev.strata.core.remote.ContentSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Deletes a whole timeline or tenant from remote storage, resumably (INVARIANTS 12): a timeline's index is first
 * rewritten with a {@code deleted_at} tombstone, then its layers and other objects go, and its indexes last, so
 * that a retry on any node, or an attach that finds the tombstone, can finish the job. Deleting a whole timeline
 * or tenant needs no validation by the control plane (INVARIANTS 11): the requester retries until it is done.
 */
public final class RemoteTimelineDeletion {
    private final RemoteResources remote;

    public RemoteTimelineDeletion(RemoteResources remote) {
        this.remote = Objects.requireNonNull(remote, "remote is null");
    }

    /** Uploads the tombstone index under {@code generation}, then deletes everything of the timeline. */
    public void delete(TenantId tenant, TimelineId timeline, Generation generation, IndexPart current, Instant now)
            throws RemoteStorageException {
        IndexPart tombstone = current.deletedAt() != null ? current : current.withDeletedAt(now);
        byte[] json = tombstone.toJson();
        remote.storage().put(remote.layout().indexKey(tenant, timeline, generation), ContentSource.of(json), json.length,
                PutOptions.DEFAULT, CallContext.NONE);
        finish(tenant, timeline);
    }

    /** Deletes what is left of a timeline whose tombstone is uploaded: every object, the indexes last. */
    public void finish(TenantId tenant, TimelineId timeline) throws RemoteStorageException {
        deleteUnder(remote.layout().timelinePrefix(tenant, timeline));
    }

    /** Deletes every object of the tenant, each timeline's indexes after its other objects. */
    public void deleteTenant(TenantId tenant) throws RemoteStorageException {
        deleteUnder(remote.layout().tenantPrefix(tenant));
    }

    private void deleteUnder(String prefix) throws RemoteStorageException {
        List<String> indexes = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (ObjectMetadata object : remote.storage().listAll(prefix, CallContext.NONE)) {
            if (RemoteLayout.indexGeneration(object.key()).isPresent()) {
                indexes.add(object.key());
            } else {
                others.add(object.key());
            }
        }
        deleteAll(others);
        deleteAll(indexes);
    }

    private void deleteAll(List<String> keys) throws RemoteStorageException {
        if (keys.isEmpty()) {
            return;
        }
        for (DeleteResult result : remote.storage().deleteBatch(keys, CallContext.NONE)) {
            if (result.error().isPresent()) {
                throw result.error().get();
            }
        }
    }
}
