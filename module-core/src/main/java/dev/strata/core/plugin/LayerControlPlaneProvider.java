package dev.strata.core.plugin;

import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.controlplane.TenantAttachment;
import dev.strata.api.controlplane.TenantGeneration;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ProviderConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A control plane provider from a plugin layer: its calls, and those of the clients it creates, run with the
 * layer's class loader as the thread context class loader.
 */
final class LayerControlPlaneProvider extends LayerPluginProvider<ControlPlaneProvider> implements ControlPlaneProvider {
    LayerControlPlaneProvider(ControlPlaneProvider delegate, ClassLoader loader, String plugin) {
        super(delegate, loader, plugin);
    }

    @Override
    public ControlPlane create(ProviderConfig config, Path workdir) throws ControlPlaneException {
        ControlPlane controlPlane = ContextClassLoader.call(loader, () -> delegate.create(config, workdir));
        return new LayerControlPlane(controlPlane, loader);
    }

    /** A client whose every call runs under the plugin's loader. */
    private record LayerControlPlane(ControlPlane delegate, ClassLoader loader) implements ControlPlane {
        @Override
        public List<TenantAttachment> reAttach(long nodeId, boolean emptyLocalDisk, CallContext context)
                throws ControlPlaneException {
            return ContextClassLoader.call(loader, () -> delegate.reAttach(nodeId, emptyLocalDisk, context));
        }

        @Override
        public Map<TenantGeneration, Boolean> validate(List<TenantGeneration> tenants, CallContext context)
                throws ControlPlaneException {
            return ContextClassLoader.call(loader, () -> delegate.validate(tenants, context));
        }

        @Override
        public void attachedLocally(TenantAttachment attachment) throws ControlPlaneException {
            ContextClassLoader.run(loader, () -> delegate.attachedLocally(attachment));
        }

        @Override
        public void close() {
            ContextClassLoader.run(loader, () -> delegate.close());
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
