package dev.strata.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.testkit.DeletionExecutorContract;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The executor contract for {@code lifecycle-tag}, through the real S3 storage and SDK against {@link TaggingServer}
 * (S3Proxy does not implement object tagging; see {@link LifecycleTagS3ProxyTest}). The executor does not remove
 * objects, so "disposed of" means: still there, and carrying exactly the expiry tag the lifecycle rule filters on.
 */
final class LifecycleTagDeletionExecutorContractTest extends DeletionExecutorContract {
    static final String BUCKET = "tagged";
    static final String PREFIX = "deployment/";
    static TaggingServer server;
    static RemoteStorage storage;

    static Map<String, String> settings(TaggingServer server) {
        return Map.of("bucket", BUCKET, "endpoint", server.endpoint().toString(), "path_style", "true",
                "access_key_id", "test-access", "secret_access_key", "test-secret", "prefix", PREFIX);
    }

    @BeforeAll
    static void start() throws Exception {
        server = TaggingServer.start(BUCKET);
        S3StorageProvider provider = new S3StorageProvider();
        storage = provider.create(ProviderConfig.parse("remote_storage", settings(server), provider.configKeys()));
    }

    @AfterAll
    static void stop() {
        if (storage != null) {
            storage.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected DeletionExecutor executor() {
        LifecycleTagDeletionExecutorProvider provider = new LifecycleTagDeletionExecutorProvider();
        return provider.create(ProviderConfig.parse("deletion", Map.of(), provider.configKeys()), storage);
    }

    @Override
    protected void store(String key, byte[] data) {
        server.store(PREFIX + key);
    }

    @Override
    protected boolean exists(String key) {
        return server.exists(PREFIX + key);
    }

    /** Tagging leaves the object for the bucket's lifecycle rule to expire: it must carry the expiry tag. */
    @Override
    protected void assertDisposedOf(String key) throws IOException {
        assertTrue(exists(key), key + " was removed, but lifecycle-tag must only tag it");
        assertEquals(Map.of("strata-expired", "true"), server.tags(PREFIX + key), key);
    }
}
