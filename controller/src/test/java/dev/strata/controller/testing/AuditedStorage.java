package dev.strata.controller.testing;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link RemoteStorage} that tells an observer about every object a node is about to delete, before the
 * delete reaches the bucket, so a test can check each deletion against the bucket as it stands at that moment
 * (for example: no object the newest index references is ever deleted). Everything else passes through.
 */
public final class AuditedStorage implements RemoteStorage {
    /** Told about each key before it is deleted; must not throw into the node (record findings instead). */
    @FunctionalInterface
    public interface DeleteObserver {
        DeleteObserver NONE = (node, key) -> { };

        void beforeDelete(long nodeId, String key);
    }

    private final RemoteStorage delegate;
    private final long nodeId;
    private final DeleteObserver observer;

    public AuditedStorage(RemoteStorage delegate, long nodeId, DeleteObserver observer) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        this.nodeId = nodeId;
        this.observer = Objects.requireNonNull(observer, "observer is null");
    }

    @Override
    public Set<Capability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public int maxKeysPerDelete() {
        return delegate.maxKeysPerDelete();
    }

    @Override
    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        return delegate.list(request, context);
    }

    @Override
    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        return delegate.head(key, context);
    }

    @Override
    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        return delegate.put(key, data, size, options, context);
    }

    @Override
    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        return delegate.get(key, range, ifMatchEtag, context);
    }

    @Override
    public void delete(String key, CallContext context) throws RemoteStorageException {
        observer.beforeDelete(nodeId, key);
        delegate.delete(key, context);
    }

    @Override
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        keys.forEach(key -> observer.beforeDelete(nodeId, key));
        return delegate.deleteBatch(keys, context);
    }

    @Override
    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        return delegate.copy(sourceKey, targetKey, context);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "audited " + delegate;
    }
}
