package dev.strata.core.plugin;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.util.List;
import java.util.Objects;

/** A provider from a plugin layer whose calls, and those of the storages it creates, run under the layer's loader. */
final class LayerProvider implements RemoteStorageProvider {
    private final RemoteStorageProvider delegate;
    private final ClassLoader loader;
    private final String plugin;

    LayerProvider(RemoteStorageProvider delegate, ClassLoader loader, String plugin) {
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
    public RemoteStorage create(ProviderConfig config) throws RemoteStorageException {
        RemoteStorage storage = ContextClassLoader.call(loader, () -> delegate.create(config));
        return new LayerStorage(storage, loader);
    }

    /** The plugin directory this provider came from. */
    String plugin() {
        return plugin;
    }

    @Override
    public String toString() {
        return delegate + " from plugin '" + plugin + "'";
    }
}
