package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import java.util.List;

/** Provides the {@code immediate} deletion executor: validated objects are batch-deleted at once. No keys. */
public final class ImmediateDeletionExecutorProvider implements DeletionExecutorProvider {
    @Override
    public String name() {
        return "immediate";
    }

    @Override
    public int apiMajorVersion() {
        return DeletionExecutorProvider.API_MAJOR_VERSION;
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of();
    }

    @Override
    public DeletionExecutor create(ProviderConfig config, RemoteStorage storage) {
        return new ImmediateDeletionExecutor(storage);
    }
}
