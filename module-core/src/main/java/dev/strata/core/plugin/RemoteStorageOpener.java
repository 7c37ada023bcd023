package dev.strata.core.plugin;

import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import dev.strata.core.metrics.RemoteStorageMetrics;
import dev.strata.core.remote.MeteredStorage;
import dev.strata.core.remote.RemoteStorageConfig;
import dev.strata.core.remote.RetryingStorage;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Opens the remote storage of a {@code [remote_storage]} section: finds its provider among the built-in backends
 * and the plugins under a directory, parses the provider's and the retry keys, and wraps the backend in request
 * metrics (per attempt) and core's retries. The one way every command gets from configuration to storage.
 */
public final class RemoteStorageOpener {
    private RemoteStorageOpener() {}

    /** The storage, and the provider and where it came from (for messages). */
    public record Opened(RetryingStorage storage, RemoteStorageProvider provider, String origin) {
        public Opened {
            Objects.requireNonNull(storage, "storage is null");
            Objects.requireNonNull(provider, "provider is null");
            Objects.requireNonNull(origin, "origin is null");
        }
    }

    /**
     * @param pluginsDirectory where plugin directories are (may be absent)
     * @param metrics          the request metrics of this backend, or null for none
     * @throws dev.strata.api.remote.ConfigException naming an unknown provider or a bad key
     */
    public static Opened open(RemoteStorageConfig section, Path pluginsDirectory, RemoteStorageMetrics metrics)
            throws RemoteStorageException {
        return open(section, RemoteStorageProviders.discover(pluginsDirectory), metrics);
    }

    /**
     * Opens the storage with a provider of {@code providers}: a process that also takes other providers from the
     * plugins (a deletion executor that reaches into its own backend) loads them once and passes them here.
     *
     * @param metrics the request metrics of this backend, or null for none
     * @throws dev.strata.api.remote.ConfigException naming an unknown provider or a bad key
     */
    public static Opened open(RemoteStorageConfig section, RemoteStorageProviders providers, RemoteStorageMetrics metrics)
            throws RemoteStorageException {
        RemoteStorageProvider provider = providers.find(section.provider());
        RemoteStorageConfig.Parsed parsed = section.parse(provider);
        var backend = provider.create(parsed.providerConfig());
        RetryingStorage storage = new RetryingStorage(metrics == null ? backend : new MeteredStorage(backend, metrics),
                parsed.retryPolicy());
        return new Opened(storage, provider, providers.origins().get(provider.name()));
    }

    /** The plugin directory of this installation: {@code plugins/} beside the runtime image. */
    public static Path installedPlugins() {
        return Path.of(System.getProperty("java.home"), "plugins");
    }
}
