package dev.strata.api.remote;

import java.util.List;

/**
 * Builds {@link RemoteStorage} instances of one kind. Found through {@link java.util.ServiceLoader}: a backend
 * module declares {@code provides dev.strata.api.remote.RemoteStorageProvider with ...}. The configuration
 * chooses a provider by {@link #name()}.
 *
 * <p>Implementations have a public no-argument constructor, do no I/O until {@link #create}, and are
 * thread-safe.
 */
public interface RemoteStorageProvider extends PluginProvider {
    /**
     * The major version of this SPI. Core loads only providers whose {@link #apiMajorVersion()} equals it; it
     * changes when a change to this package would break an existing provider.
     */
    int API_MAJOR_VERSION = 1;

    /** The name the configuration uses ({@code localfs}, {@code s3}, {@code azure}): lower-case, unique. */
    @Override
    String name();

    /**
     * The SPI major version this provider was compiled against. Implement it as
     * {@code return RemoteStorageProvider.API_MAJOR_VERSION;}: the compiler copies the constant into the
     * provider's class, so the value records the version it was built with.
     */
    @Override
    int apiMajorVersion();

    /** Every key this provider's section accepts, with defaults and documentation. */
    @Override
    List<ConfigKey<?>> configKeys();

    /**
     * Builds a storage client from a section parsed with {@link #configKeys()}. May check that the store is
     * reachable; classification of failures is as for {@link RemoteStorage} calls.
     */
    RemoteStorage create(ProviderConfig config) throws RemoteStorageException;
}
