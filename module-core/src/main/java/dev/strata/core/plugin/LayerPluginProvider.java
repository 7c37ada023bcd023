package dev.strata.core.plugin;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.PluginProvider;
import java.util.List;
import java.util.Objects;

/**
 * A provider from a plugin layer: its calls run with the layer's class loader as the thread context class
 * loader, because libraries inside plugins look up classes and services through it. Each kind of provider adds
 * its {@code create}, wrapping what it creates the same way.
 */
abstract sealed class LayerPluginProvider<P extends PluginProvider>
        permits LayerProvider, LayerControlPlaneProvider, LayerDeletionExecutorProvider {
    final P delegate;
    final ClassLoader loader;
    private final String plugin;

    LayerPluginProvider(P delegate, ClassLoader loader, String plugin) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
        this.loader = Objects.requireNonNull(loader, "loader is null");
        this.plugin = Objects.requireNonNull(plugin, "plugin is null");
    }

    public String name() {
        return ContextClassLoader.call(loader, delegate::name);
    }

    public int apiMajorVersion() {
        return ContextClassLoader.call(loader, delegate::apiMajorVersion);
    }

    public List<ConfigKey<?>> configKeys() {
        return ContextClassLoader.call(loader, delegate::configKeys);
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
