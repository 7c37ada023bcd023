package dev.strata.core.plugin;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.util.List;
import java.util.Objects;

/**
 * A deletion executor provider from a plugin layer: its calls, and those of the executors it creates, run with
 * the layer's class loader as the thread context class loader.
 */
final class LayerDeletionExecutorProvider implements DeletionExecutorProvider {
    private final DeletionExecutorProvider delegate;
    private final ClassLoader loader;
    private final String plugin;

    LayerDeletionExecutorProvider(DeletionExecutorProvider delegate, ClassLoader loader, String plugin) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        this.loader = Objects.requireNonNull(loader, "loader is null");
        this.plugin = Objects.requireNonNull(plugin, "plugin is null");
    }

    @Override
    public String name() {
        return ContextClassLoader.call(loader, delegate::name);
    }

    @Override
    public int apiMajorVersion() {
        return ContextClassLoader.call(loader, delegate::apiMajorVersion);
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return ContextClassLoader.call(loader, delegate::configKeys);
    }

    @Override
    public DeletionExecutor create(ProviderConfig config, RemoteStorage storage) {
        DeletionExecutor executor = ContextClassLoader.call(loader, () -> delegate.create(config, storage));
        return new LayerExecutor(executor, loader);
    }

    @Override
    public String toString() {
        return delegate + " from plugin '" + plugin + "'";
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
            ContextClassLoader.call(loader, () -> {
                delegate.maintain(context);
                return null;
            });
        }

        @Override
        public void close() {
            ContextClassLoader.call(loader, () -> {
                delegate.close();
                return null;
            });
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
