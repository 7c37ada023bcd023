package dev.strata.core.controlplane;

import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import java.nio.file.Path;
import java.util.List;

/** Provides the {@code local} control plane: a single node that is its own authority over generations. */
public final class LocalControlPlaneProvider implements ControlPlaneProvider {
    static final ConfigKey<Path> GENERATIONS_FILE = ConfigKey.path("generations_file", Path.of("control-plane-v1.json"),
            "The file holding each tenant's generation; relative to the work directory.");

    @Override
    public String name() {
        return "local";
    }

    @Override
    public int apiMajorVersion() {
        return ControlPlaneProvider.API_MAJOR_VERSION;
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(GENERATIONS_FILE);
    }

    @Override
    public ControlPlane create(ProviderConfig config, Path workdir) throws ControlPlaneException {
        return LocalControlPlane.open(workdir.resolve(config.get(GENERATIONS_FILE)));
    }
}
