package dev.strata.core.plugin;

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
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A storage from a plugin: every call, and every read of a returned stream, runs with the plugin layer's class
 * loader as the thread context class loader.
 */
final class LayerStorage implements RemoteStorage {
    private final RemoteStorage delegate;
    private final ClassLoader loader;

    LayerStorage(RemoteStorage delegate, ClassLoader loader) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        this.loader = Objects.requireNonNull(loader, "loader is null");
    }

    @Override
    public Set<Capability> capabilities() {
        return ContextClassLoader.call(loader, delegate::capabilities);
    }

    @Override
    public int maxKeysPerDelete() {
        return ContextClassLoader.call(loader, delegate::maxKeysPerDelete);
    }

    @Override
    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        return ContextClassLoader.call(loader, () -> delegate.list(request, context));
    }

    @Override
    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        return ContextClassLoader.call(loader, () -> delegate.head(key, context));
    }

    @Override
    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        return ContextClassLoader.call(loader, () -> delegate.put(key, data, size, options, context));
    }

    @Override
    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        ObjectContent content = ContextClassLoader.call(loader, () -> delegate.get(key, range, ifMatchEtag, context));
        return new ObjectContent(content.metadata(), content.offset(), content.length(), new LayerStream(content.stream()));
    }

    @Override
    public void delete(String key, CallContext context) throws RemoteStorageException {
        ContextClassLoader.run(loader, () -> delegate.delete(key, context));
    }

    @Override
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        return ContextClassLoader.call(loader, () -> delegate.deleteBatch(keys, context));
    }

    @Override
    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        return ContextClassLoader.call(loader, () -> delegate.copy(sourceKey, targetKey, context));
    }

    @Override
    public <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : delegate.unwrap(type);
    }

    @Override
    public void close() {
        ContextClassLoader.run(loader, () -> delegate.close());
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    private final class LayerStream extends FilterInputStream {
        LayerStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            return ContextClassLoader.call(loader, in::read);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return ContextClassLoader.call(loader, () -> in.read(buffer, offset, length));
        }

        @Override
        public long skip(long n) throws IOException {
            return ContextClassLoader.call(loader, () -> in.skip(n));
        }

        @Override
        public void close() throws IOException {
            ContextClassLoader.run(loader, () -> in.close());
        }
    }
}
