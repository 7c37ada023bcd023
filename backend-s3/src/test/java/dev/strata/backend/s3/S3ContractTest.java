package dev.strata.backend.s3;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The remote storage contract against S3Proxy on 127.0.0.1, with a multipart threshold low enough that the
 * contract's large object goes through a multipart upload.
 */
final class S3ContractTest extends RemoteStorageContract {
    static S3ProxyServer server;
    static RemoteStorage storage;

    static Map<String, String> settings(S3ProxyServer server, String bucket) {
        return Map.of("bucket", bucket, "endpoint", server.endpoint().toString(), "path_style", "true",
                "access_key_id", S3ProxyServer.ACCESS_KEY, "secret_access_key", S3ProxyServer.SECRET_KEY,
                "multipart_threshold", "5MiB", "multipart_part_size", "5MiB", "prefix", "deployment/");
    }

    static void createBucket(S3ProxyServer server, String bucket) {
        try (S3Client client = S3Client.builder().httpClient(Apache5HttpClient.create()).region(Region.US_EAST_1)
                .endpointOverride(server.endpoint()).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY))).build()) {
            client.createBucket(builder -> builder.bucket(bucket));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = S3ProxyServer.start(Path.of(System.getProperty("strata.test.work", "target/test-work"))
                .resolve("s3proxy-" + UUID.randomUUID()));
        String bucket = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        createBucket(server, bucket);
        S3StorageProvider provider = new S3StorageProvider();
        storage = provider.create(ProviderConfig.parse("remote_storage", settings(server, bucket), provider.configKeys()));
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

    /** S3Proxy keeps objects as files in an in-memory file system, so "a" and "a/b" cannot both exist; S3 allows it. */
    @Override
    protected boolean keysMayBeDirectoryPrefixesOfOtherKeys() {
        return false;
    }

    @Override
    protected int expectedMaxKeysPerDelete() {
        return 1000;
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
