package dev.strata.core.plugin;

import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every control plane and deletion executor provider this process can use, by name: those of the boot layer
 * (core declares {@code uses}; {@code local}, {@code http}, {@code immediate}, {@code trash}) and those of the
 * plugins (the S3 plugin's {@code lifecycle-tag}). A provider built against another SPI major version, or two
 * providers with one name, is a {@link PluginException} naming where each came from.
 */
public final class ControlPlaneProviders {
    private final Registry<ControlPlaneProvider> controlPlanes;
    private final Registry<DeletionExecutorProvider> executors;

    private ControlPlaneProviders(Registry<ControlPlaneProvider> controlPlanes, Registry<DeletionExecutorProvider> executors) {
        this.controlPlanes = controlPlanes;
        this.executors = executors;
    }

    /** The boot layer's providers only. */
    public static ControlPlaneProviders builtIn() {
        return of(List.of());
    }

    /** The boot layer's providers plus those of every plugin under {@code pluginsDirectory} (which may be absent). */
    public static ControlPlaneProviders discover(Path pluginsDirectory) {
        Objects.requireNonNull(pluginsDirectory, "pluginsDirectory is null");
        return of(PluginLoader.onBootLayer().loadAll(pluginsDirectory));
    }

    /** The boot layer's providers plus those of {@code plugins}. */
    public static ControlPlaneProviders of(List<Plugin> plugins) {
        Registry<ControlPlaneProvider> controlPlanes = new Registry<>("control plane", "control_plane", "provider",
                ControlPlaneProvider::name);
        for (ControlPlaneProvider provider : ServiceLoader.load(ControlPlaneProvider.class)) {
            if (provider.apiMajorVersion() != ControlPlaneProvider.API_MAJOR_VERSION) {
                throw new PluginException("built-in control plane '" + provider.name() + "' has SPI major version "
                        + provider.apiMajorVersion() + ", expected " + ControlPlaneProvider.API_MAJOR_VERSION);
            }
            controlPlanes.add(provider, builtIn(provider));
        }
        Registry<DeletionExecutorProvider> executors = new Registry<>("deletion executor", "deletion", "executor",
                DeletionExecutorProvider::name);
        for (DeletionExecutorProvider provider : ServiceLoader.load(DeletionExecutorProvider.class)) {
            if (provider.apiMajorVersion() != DeletionExecutorProvider.API_MAJOR_VERSION) {
                throw new PluginException("built-in deletion executor '" + provider.name() + "' has SPI major version "
                        + provider.apiMajorVersion() + ", expected " + DeletionExecutorProvider.API_MAJOR_VERSION);
            }
            executors.add(provider, builtIn(provider));
        }
        for (Plugin plugin : plugins) {
            String origin = "plugin '" + plugin.name() + "' (" + plugin.directory() + ")";
            plugin.controlPlaneProviders().forEach(provider -> controlPlanes.add(provider, origin));
            plugin.deletionExecutorProviders().forEach(provider -> executors.add(provider, origin));
        }
        return new ControlPlaneProviders(controlPlanes, executors);
    }

    private static String builtIn(Object provider) {
        return "built in (module " + provider.getClass().getModule().getName() + ")";
    }

    /** The control plane provider called {@code name}; an unknown name is a ConfigException listing the available ones. */
    public ControlPlaneProvider controlPlane(String name) {
        return controlPlanes.find(name);
    }

    /** The deletion executor provider called {@code name}; an unknown name is a ConfigException listing the available ones. */
    public DeletionExecutorProvider deletionExecutor(String name) {
        return executors.find(name);
    }

    /** Control plane provider name to where it came from. */
    public Map<String, String> controlPlaneOrigins() {
        return Map.copyOf(controlPlanes.origins);
    }

    /** Deletion executor provider name to where it came from. */
    public Map<String, String> deletionExecutorOrigins() {
        return Map.copyOf(executors.origins);
    }

    /** Providers of one SPI by name, with where each came from. */
    private static final class Registry<P> {
        private final Map<String, P> byName = new TreeMap<>();
        private final Map<String, String> origins = new TreeMap<>();
        private final String kind;
        private final String section;
        private final String key;
        private final Function<P, String> name;

        Registry(String kind, String section, String key, Function<P, String> name) {
            this.kind = kind;
            this.section = section;
            this.key = key;
            this.name = name;
        }

        void add(P provider, String origin) {
            String providerName = name.apply(provider);
            String previous = origins.putIfAbsent(providerName, origin);
            if (previous != null) {
                throw new PluginException(kind + " '" + providerName + "' is provided twice: " + previous + " and " + origin);
            }
            byName.put(providerName, provider);
        }

        P find(String providerName) {
            P provider = byName.get(Objects.requireNonNull(providerName, "name is null"));
            if (provider == null) {
                throw new ConfigException("[" + section + "] " + key + " = '" + providerName + "' is not available; available: "
                        + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet())));
            }
            return provider;
        }
    }
}
