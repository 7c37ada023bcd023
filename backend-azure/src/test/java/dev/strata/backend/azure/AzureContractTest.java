package dev.strata.backend.azure;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.deletion.ImmediateDeletionExecutorProvider;
import dev.strata.core.deletion.TrashDeletionExecutorProvider;
import dev.strata.testkit.DeletionExecutorContract;
import dev.strata.testkit.RemoteStorageContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
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

    /** The bucket as the node's deletion executors see it: storing, existence, and listing the trash. */
    private abstract static class ExecutorOverThisBucket extends DeletionExecutorContract {
        @Override
        protected void store(String key, byte[] data) throws IOException {
            storage.put(key, new java.io.ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, CallContext.NONE);
        }

        @Override
        protected boolean exists(String key) throws IOException {
            try {
                storage.head(key, CallContext.NONE);
                return true;
            } catch (RemoteStorageException.NotFound e) {
                return false;
            }
        }

        List<String> keysUnder(String prefix) throws IOException {
            List<String> keys = new java.util.ArrayList<>();
            ListRequest request = ListRequest.all(prefix);
            while (true) {
                ListPage page = storage.list(request, CallContext.NONE);
                page.objects().forEach(object -> keys.add(object.key()));
                if (page.isLast()) {
                    return keys;
                }
                request = request.next(page);
            }
        }
    }

    /** The node's {@code immediate} executor against this server: every key handled is gone. */
    @Nested
    final class ImmediateExecutor extends ExecutorOverThisBucket {
        @Override
        protected DeletionExecutor executor() {
            DeletionExecutorProvider provider = new ImmediateDeletionExecutorProvider();
            return provider.create(ProviderConfig.parse("deletion", Map.of(), provider.configKeys()), storage);
        }
    }

    /** The node's {@code trash} executor against this server: every key handled is gone, with a copy under trash/. */
    @Nested
    final class TrashExecutor extends ExecutorOverThisBucket {
        @Override
        protected DeletionExecutor executor() {
            DeletionExecutorProvider provider = new TrashDeletionExecutorProvider();
            return provider.create(ProviderConfig.parse("deletion", Map.of("trash_prefix", "trash/"), provider.configKeys()),
                    storage);
        }

        @Override
        protected void assertDisposedOf(String key) throws IOException {
            super.assertDisposedOf(key);
            assertTrue(keysUnder("trash/").stream().anyMatch(trashed -> trashed.endsWith("/" + key)),
                    key + " has no copy under trash/");
        }
    }
}
