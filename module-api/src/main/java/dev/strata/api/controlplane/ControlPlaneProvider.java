package dev.strata.api.controlplane;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.PluginProvider;
import dev.strata.api.remote.ProviderConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds {@link ControlPlane} clients of one kind. Found through {@link java.util.ServiceLoader} like
 * {@link dev.strata.api.remote.RemoteStorageProvider}; the {@code [control_plane]} section of the node
 * configuration chooses one by {@link #name()} and its other keys are parsed with {@link #configKeys()}.
 *
 * <p>Implementations have a public no-argument constructor, do no I/O until {@link #create}, and are thread-safe.
 */
public interface ControlPlaneProvider extends PluginProvider {
    /** The major version of this SPI; core loads only providers whose {@link #apiMajorVersion()} equals it. */
    int API_MAJOR_VERSION = 1;

    /** The name the configuration uses ({@code local}, {@code http}): lower-case, unique. */
    @Override
    String name();

    /** Implement as {@code return ControlPlaneProvider.API_MAJOR_VERSION;} (the compiler copies the constant). */
    @Override
    int apiMajorVersion();

    /** Every key this provider's section accepts (besides {@code provider} and core's own keys). */
    @Override
    List<ConfigKey<?>> configKeys();

    /**
     * Builds a client from a section parsed with {@link #configKeys()}.
     *
     * @param workdir the node's work directory: relative paths in the configuration are resolved against it
     * @throws ControlPlaneException.Rejected when the configuration names something unusable (an unreadable
     *                                        token file, a corrupt generations file)
     */
    ControlPlane create(ProviderConfig config, Path workdir) throws ControlPlaneException;
}
