package dev.strata.backend.s3;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import java.util.List;

/**
 * Provides the {@code lifecycle-tag} deletion executor of the S3 plugin (see {@link LifecycleTagDeletionExecutor}).
 * It works only over the {@code s3} remote storage, whose client it uses; over any other backend {@link #create}
 * fails naming the executor and the backend, so the node refuses to start.
 */
public final class LifecycleTagDeletionExecutorProvider implements DeletionExecutorProvider {
    /** The executor name used in configuration. */
    public static final String NAME = "lifecycle-tag";

    static final ConfigKey<String> TAG_KEY = ConfigKey.string("tag_key", "strata-expired",
            "Tag key put on objects whose deletion was validated; the bucket lifecycle rule filters on it.")
            .validatedBy(value -> !value.isBlank() && value.length() <= 128 && !value.startsWith("aws:"),
                    "1 to 128 characters, not starting with 'aws:'");
    static final ConfigKey<String> TAG_VALUE = ConfigKey.string("tag_value", "true",
            "Tag value put with tag_key; the lifecycle rule filters on the pair.")
            .validatedBy(value -> value.length() <= 256, "at most 256 characters");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int apiMajorVersion() {
        return DeletionExecutorProvider.API_MAJOR_VERSION;
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(TAG_KEY, TAG_VALUE);
    }

    /** @throws ConfigException when {@code storage} is not (a wrapper of) the {@code s3} remote storage */
    @Override
    public DeletionExecutor create(ProviderConfig config, RemoteStorage storage) {
        S3Storage s3 = storage.unwrap(S3Storage.class).orElseThrow(() -> new ConfigException("[" + config.section()
                + "] executor = '" + NAME + "' needs [remote_storage] provider = '" + S3StorageProvider.NAME
                + "' (it tags objects with the bucket's S3 client), but the remote storage is " + storage));
        return new LifecycleTagDeletionExecutor(s3, config.get(TAG_KEY), config.get(TAG_VALUE));
    }

    @Override
    public String toString() {
        return "DeletionExecutorProvider[" + NAME + "]";
    }
}
