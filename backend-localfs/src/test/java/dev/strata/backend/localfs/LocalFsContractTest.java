package dev.strata.backend.localfs;

import dev.strata.api.remote.Capability;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.testkit.RemoteStorageContract;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote storage contract against a local directory. fsync is off here to keep the thousands of small puts
 * fast; {@link LocalFsStorageTest} covers the fsync path.
 */
final class LocalFsContractTest extends RemoteStorageContract {
    @TempDir
    static Path root;

    private static RemoteStorage storage;

    @BeforeAll
    static void open() throws RemoteStorageException {
        LocalFsStorageProvider provider = new LocalFsStorageProvider();
        storage = provider.create(ProviderConfig.parse("remote_storage", Map.of("root", root.toString(), "fsync", "false"),
                provider.configKeys()));
    }

    @AfterAll
    static void close() {
        storage.close();
    }

    @Override
    protected RemoteStorage storage() {
        return storage;
    }

    @Override
    protected Set<Capability> expectedCapabilities() {
        return EnumSet.of(Capability.CONDITIONAL_PUT, Capability.CONDITIONAL_GET);
    }

    @Override
    protected int expectedMaxKeysPerDelete() {
        return 1000;
    }
}
