package dev.strata.backend.s3;

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
