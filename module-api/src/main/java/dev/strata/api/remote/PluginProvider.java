package dev.strata.api.remote;

import java.util.List;

/**
 * What every provider a plugin can bring has in common ({@link RemoteStorageProvider},
 * {@link dev.strata.api.controlplane.ControlPlaneProvider}, {@link dev.strata.api.deletion.DeletionExecutorProvider}):
 * the name the configuration chooses it by, the major version of its SPI it was built against, and the keys of
 * its configuration section. Each SPI documents these for its own kind.
 */
public interface PluginProvider {
    /** The name the configuration uses: lower-case, unique among providers of its kind. */
    String name();

    /** The major version of its SPI this provider was compiled against (the SPI's {@code API_MAJOR_VERSION}). */
    int apiMajorVersion();

    /** Every key this provider's section accepts, with defaults and documentation. */
    List<ConfigKey<?>> configKeys();
}
