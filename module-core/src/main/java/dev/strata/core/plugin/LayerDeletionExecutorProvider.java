package dev.strata.core.plugin;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.util.List;

/**
 * A deletion executor provider from a plugin layer: its calls, and those of the executors it creates, run with
 * the layer's class loader as the thread context class loader.
 */
final class LayerDeletionExecutorProvider extends LayerPluginProvider<DeletionExecutorProvider> implements DeletionExecutorProvider {
    LayerDeletionExecutorProvider(DeletionExecutorProvider delegate, ClassLoader loader, String plugin) {
        super(delegate, loader, plugin);
    }

    @Override
    public DeletionExecutor create(ProviderConfig config, RemoteStorage storage) {
        DeletionExecutor executor = ContextClassLoader.call(loader, () -> delegate.create(config, storage));
        return new LayerExecutor(executor, loader);
    }

    /** An executor whose every call runs under the plugin's loader. */
    private record LayerExecutor(DeletionExecutor delegate, ClassLoader loader) implements DeletionExecutor {
        @Override
        public int maxKeysPerCall() {
            return ContextClassLoader.call(loader, delegate::maxKeysPerCall);
        }

        @Override
        public List<DeleteResult> delete(List<String> keys, CallContext context) throws RemoteStorageException {
            return ContextClassLoader.call(loader, () -> delegate.delete(keys, context));
        }

        @Override
        public void maintain(CallContext context) throws RemoteStorageException {
            ContextClassLoader.run(loader, () -> delegate.maintain(context));
        }

        @Override
        public void close() {
            ContextClassLoader.run(loader, () -> delegate.close());
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
