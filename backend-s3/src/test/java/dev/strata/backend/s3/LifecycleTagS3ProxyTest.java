package dev.strata.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code lifecycle-tag} against S3Proxy, which does not implement object tagging (it answers {@code ?tagging}
 * with 501 NotImplemented). That is what this test pins: against a store without tagging, every key fails on its
 * own with a permanent error (a configuration problem, not one to retry in a tight loop), and no object is
 * touched. If a newer S3Proxy implements tagging, this test fails and the executor contract can run against it.
 */
final class LifecycleTagS3ProxyTest {
    @Test
    void aStoreWithoutObjectTaggingFailsEachKeyPermanentlyAndKeepsTheObjects() throws Exception {
        try (S3ProxyServer server = S3ProxyServer.start(Path.of(System.getProperty("strata.test.work", "target/test-work"))
                .resolve("s3proxy-" + UUID.randomUUID()))) {
            String bucket = "tagging-" + UUID.randomUUID().toString().substring(0, 8);
            S3ContractTest.createBucket(server, bucket);
            S3StorageProvider storageProvider = new S3StorageProvider();
            LifecycleTagDeletionExecutorProvider provider = new LifecycleTagDeletionExecutorProvider();
            try (RemoteStorage storage = storageProvider.create(ProviderConfig.parse("remote_storage",
                    S3ContractTest.settings(server, bucket), storageProvider.configKeys()));
                 DeletionExecutor executor = provider.create(ProviderConfig.parse("deletion", Map.of(),
                         provider.configKeys()), storage)) {
                storage.put("tenants/t/a", new ByteArrayInputStream(new byte[] {1}), 1, PutOptions.DEFAULT, CallContext.NONE);
                List<DeleteResult> results = executor.delete(List.of("tenants/t/a"), CallContext.NONE);
                assertEquals(1, results.size());
                RemoteStorageException error = results.getFirst().error().orElseThrow(
                        () -> new AssertionError("S3Proxy tagged an object: it implements tagging now; run the contract"));
                assertInstanceOf(RemoteStorageException.Permanent.class, error, error.toString());
                assertTrue(error.getMessage().contains("501"), error.getMessage());
                assertEquals(1, storage.head("tenants/t/a", CallContext.NONE).size(), "the object is untouched");
            }
        }
    }
}
