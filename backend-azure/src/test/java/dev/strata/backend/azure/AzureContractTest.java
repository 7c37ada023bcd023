package dev.strata.backend.azure;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.core.deletion.ImmediateDeletionExecutorProvider;
import dev.strata.core.deletion.TrashDeletionExecutorProvider;
import dev.strata.testkit.RemoteStorageContract;
import dev.strata.testkit.StorageDeletionExecutorContract;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The remote storage contract against Azurite on 127.0.0.1, with a block threshold low enough that the contract's
 * large object is staged as blocks.
 */
final class AzureContractTest extends RemoteStorageContract {
    static AzuriteServer server;
    static RemoteStorage storage;

    @BeforeAll
    static void start() throws Exception {
        server = AzuriteServer.start(Path.of(System.getProperty("strata.test.work", "target/test-work"))
                .resolve("azurite-" + UUID.randomUUID()));
        String container = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        new BlobServiceClientBuilder().endpoint(server.endpoint().toString())
                .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY))
                .httpClient(new JdkHttpClientBuilder().build()).buildClient()
                .createBlobContainer(container);
        AzureStorageProvider provider = new AzureStorageProvider();
        storage = provider.create(ProviderConfig.parse("remote_storage", Map.of("container", container,
                "account_name", AzuriteServer.ACCOUNT, "account_key", AzuriteServer.KEY,
                "endpoint", server.endpoint().toString(), "prefix", "deployment/",
                "block_upload_threshold", "1MiB", "block_size", "1MiB"), provider.configKeys()));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (storage != null) {
                storage.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
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
        return 256;
    }

    /** The node's {@code immediate} executor against this server: every key handled is gone. */
    @Nested
    final class ImmediateExecutor extends StorageDeletionExecutorContract {
        ImmediateExecutor() {
            super(new ImmediateDeletionExecutorProvider(), Map.of(), null);
        }

        @Override
        protected RemoteStorage storage() {
            return storage;
        }
    }

    /** The node's {@code trash} executor against this server: every key handled is gone, with a copy under trash/. */
    @Nested
    final class TrashExecutor extends StorageDeletionExecutorContract {
        TrashExecutor() {
            super(new TrashDeletionExecutorProvider(), Map.of("trash_prefix", "trash/"), "trash/");
        }

        @Override
        protected RemoteStorage storage() {
            return storage;
        }
    }
}
