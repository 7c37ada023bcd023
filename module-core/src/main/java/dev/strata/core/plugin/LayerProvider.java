package dev.strata.core.plugin;

import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;

/** A provider from a plugin layer whose calls, and those of the storages it creates, run under the layer's loader. */
final class LayerProvider extends LayerPluginProvider<RemoteStorageProvider> implements RemoteStorageProvider {
    LayerProvider(RemoteStorageProvider delegate, ClassLoader loader, String plugin) {
        super(delegate, loader, plugin);
    }

    @Override
    public RemoteStorage create(ProviderConfig config) throws RemoteStorageException {
        RemoteStorage storage = ContextClassLoader.call(loader, () -> delegate.create(config));
        return new LayerStorage(storage, loader);
    }
}
