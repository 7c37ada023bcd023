package dev.strata.api.deletion;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.PluginProvider;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import java.util.List;

/**
 * Builds {@link DeletionExecutor}s of one kind over the node's remote storage. Found through
 * {@link java.util.ServiceLoader}; the {@code [deletion]} section chooses one by {@link #name()}
 * ({@code immediate}, {@code trash}, or a backend-specific one).
 *
 * <p>Implementations have a public no-argument constructor, do no I/O until {@link #create}, and are thread-safe.
 */
public interface DeletionExecutorProvider extends PluginProvider {
    /** The major version of this SPI; core loads only providers whose {@link #apiMajorVersion()} equals it. */
    int API_MAJOR_VERSION = 1;

    /** The name the configuration uses: lower-case, unique. */
    @Override
    String name();

    /** Implement as {@code return DeletionExecutorProvider.API_MAJOR_VERSION;}. */
    @Override
    int apiMajorVersion();

    /** Every key this provider's section accepts. */
    @Override
    List<ConfigKey<?>> configKeys();

    /**
     * Builds an executor from a section parsed with {@link #configKeys()}, working on {@code storage} (the
     * node's storage with core's retries in front). Does no I/O.
     */
    DeletionExecutor create(ProviderConfig config, RemoteStorage storage);
}
