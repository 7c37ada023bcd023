package dev.strata.core.plugin;

import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.RemoteStorageProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One loaded plugin: the directory it came from, the module layer built from its jars, and the providers of each
 * SPI that layer itself declares (never providers of a parent layer).
 *
 * @param name the directory name under {@code plugins/}
 * @param directory the directory
 * @param layer the plugin's own module layer; its parent is the boot layer
 * @param remoteStorageProviders the providers found in {@code layer}, each already wrapped so that its calls
 *     run with the layer's class loader as the thread context class loader
 * @param controlPlaneProviders the control plane providers found in {@code layer}, wrapped the same way
 * @param deletionExecutorProviders the deletion executor providers found in {@code layer}, wrapped the same way
 */
public record Plugin(String name, Path directory, ModuleLayer layer, List<RemoteStorageProvider> remoteStorageProviders,
                     List<ControlPlaneProvider> controlPlaneProviders,
                     List<DeletionExecutorProvider> deletionExecutorProviders) {
    public Plugin {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(directory, "directory is null");
        Objects.requireNonNull(layer, "layer is null");
        remoteStorageProviders = List.copyOf(remoteStorageProviders);
        controlPlaneProviders = List.copyOf(controlPlaneProviders);
        deletionExecutorProviders = List.copyOf(deletionExecutorProviders);
    }

    /** The class loader of the plugin's modules (all share one). */
    public ClassLoader classLoader() {
        return layer.modules().iterator().next().getClassLoader();
    }
}
