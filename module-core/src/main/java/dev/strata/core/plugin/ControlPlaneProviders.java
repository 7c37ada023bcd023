package dev.strata.core.plugin;

import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The control plane and deletion executor providers of the boot layer, by name (core declares {@code uses}).
 * A provider built against another SPI major version, or two providers with one name, is an error.
 */
public final class ControlPlaneProviders {
    private ControlPlaneProviders() {
    }

    /** The control plane provider called {@code name}; an unknown name lists the available ones. */
    public static ControlPlaneProvider controlPlane(String name) {
        Map<String, ControlPlaneProvider> byName = new TreeMap<>();
        for (ControlPlaneProvider provider : ServiceLoader.load(ControlPlaneProvider.class)) {
            if (provider.apiMajorVersion() != ControlPlaneProvider.API_MAJOR_VERSION) {
                throw new PluginException("control plane '" + provider.name() + "' has SPI major version "
                        + provider.apiMajorVersion() + ", expected " + ControlPlaneProvider.API_MAJOR_VERSION);
            }
            if (byName.putIfAbsent(provider.name(), provider) != null) {
                throw new PluginException("control plane '" + provider.name() + "' is provided twice");
            }
        }
        return find("control_plane", "provider", Objects.requireNonNull(name, "name is null"), byName);
    }

    /** The deletion executor provider called {@code name}; an unknown name lists the available ones. */
    public static DeletionExecutorProvider deletionExecutor(String name) {
        Map<String, DeletionExecutorProvider> byName = new TreeMap<>();
        for (DeletionExecutorProvider provider : ServiceLoader.load(DeletionExecutorProvider.class)) {
            if (provider.apiMajorVersion() != DeletionExecutorProvider.API_MAJOR_VERSION) {
                throw new PluginException("deletion executor '" + provider.name() + "' has SPI major version "
                        + provider.apiMajorVersion() + ", expected " + DeletionExecutorProvider.API_MAJOR_VERSION);
            }
            if (byName.putIfAbsent(provider.name(), provider) != null) {
                throw new PluginException("deletion executor '" + provider.name() + "' is provided twice");
            }
        }
        return find("deletion", "executor", Objects.requireNonNull(name, "name is null"), byName);
    }

    private static <T> T find(String section, String key, String name, Map<String, T> byName) {
        T provider = byName.get(name);
        if (provider == null) {
            throw new ConfigException("[" + section + "] " + key + " = '" + name + "' is not available; available: "
                    + String.join(", ", List.copyOf(byName.keySet())));
        }
        return provider;
    }
}
