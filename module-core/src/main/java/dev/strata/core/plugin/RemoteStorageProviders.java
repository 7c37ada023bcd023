package dev.strata.core.plugin;

import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Every remote storage provider this process can use, by name: those linked into the boot layer (localfs) and
 * those of the plugins. Two providers with one name are an error naming both origins.
 */
public final class RemoteStorageProviders {
    private final Map<String, RemoteStorageProvider> byName;
    private final Map<String, String> origins;

    private RemoteStorageProviders(Map<String, RemoteStorageProvider> byName, Map<String, String> origins) {
        this.byName = byName;
        this.origins = origins;
    }

    /** The boot layer's providers plus those of every plugin under {@code pluginsDirectory} (which may be absent). */
    public static RemoteStorageProviders discover(Path pluginsDirectory) {
        Objects.requireNonNull(pluginsDirectory, "pluginsDirectory is null");
        return of(bootProviders(), PluginLoader.onBootLayer().loadAll(pluginsDirectory));
    }

    /** The given boot providers and plugins. */
    public static RemoteStorageProviders of(List<RemoteStorageProvider> boot, List<Plugin> plugins) {
        Map<String, RemoteStorageProvider> byName = new TreeMap<>();
        Map<String, String> origins = new TreeMap<>();
        for (RemoteStorageProvider provider : boot) {
            add(byName, origins, provider, "built in (module " + provider.getClass().getModule().getName() + ")");
        }
        for (Plugin plugin : plugins) {
            for (RemoteStorageProvider provider : plugin.remoteStorageProviders()) {
                add(byName, origins, provider, "plugin '" + plugin.name() + "' (" + plugin.directory() + ")");
            }
        }
        return new RemoteStorageProviders(byName, origins);
    }

    /** The providers of the boot layer, found through ServiceLoader (core declares {@code uses}). */
    public static List<RemoteStorageProvider> bootProviders() {
        List<RemoteStorageProvider> providers = new ArrayList<>();
        for (RemoteStorageProvider provider : ServiceLoader.load(RemoteStorageProvider.class)) {
            if (provider.apiMajorVersion() != RemoteStorageProvider.API_MAJOR_VERSION) {
                throw new PluginException("built-in remote storage '" + provider.name() + "' has SPI major version "
                        + provider.apiMajorVersion() + ", expected " + RemoteStorageProvider.API_MAJOR_VERSION);
            }
            providers.add(provider);
        }
        return providers;
    }

    private static void add(Map<String, RemoteStorageProvider> byName, Map<String, String> origins,
            RemoteStorageProvider provider, String origin) {
        String name = provider.name();
        String previous = origins.putIfAbsent(name, origin);
        if (previous != null) {
            throw new PluginException("remote storage '" + name + "' is provided twice: " + previous + " and " + origin);
        }
        byName.put(name, provider);
    }

    /** The provider called {@code name}; an unknown name is a ConfigException listing the available ones. */
    public RemoteStorageProvider find(String name) {
        RemoteStorageProvider provider = byName.get(Objects.requireNonNull(name, "name is null"));
        if (provider == null) {
            throw new ConfigException("[remote_storage] provider = '" + name + "' is not available; available: "
                    + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet()))
                    + " (cloud backends are plugins: is plugins/" + name + "/ present?)");
        }
        return provider;
    }

    /** Provider name to where it came from. */
    public Map<String, String> origins() {
        return Map.copyOf(origins);
    }
}
