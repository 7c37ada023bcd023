package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Provides the {@code trash} deletion executor: objects move under a trash prefix and are purged later. */
public final class TrashDeletionExecutorProvider implements DeletionExecutorProvider {
    static final ConfigKey<String> PREFIX = ConfigKey.string("trash_prefix", "trash/",
            "Key prefix objects are moved under (then <yyyy-mm-dd>/<original key>).")
            .validatedBy(value -> !value.isEmpty() && value.endsWith("/"), "non-empty and ending with '/'");
    static final ConfigKey<Duration> RETENTION = ConfigKey.duration("trash_retention", Duration.ofDays(7),
            "How long trashed objects are kept before they are purged (whole days).");

    @Override
    public String name() {
        return "trash";
    }

    @Override
    public int apiMajorVersion() {
        return DeletionExecutorProvider.API_MAJOR_VERSION;
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(PREFIX, RETENTION);
    }

    @Override
    public DeletionExecutor create(ProviderConfig config, RemoteStorage storage) {
        return new TrashDeletionExecutor(storage, config.get(PREFIX), config.get(RETENTION), Clock.systemUTC());
    }
}
