package dev.strata.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.deletion.DeletionExecutorProvider;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.testkit.FaultInjectingRemoteStorage;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code lifecycle-tag} executor beyond the contract: the request it sends, per-key failures, its configuration,
 * and its refusal of a backend other than S3. Tagging calls go to {@link TaggingServer}, a fake of those calls only,
 * because S3Proxy does not implement object tagging.
 */
final class LifecycleTagDeletionExecutorTest {
    private static final LifecycleTagDeletionExecutorProvider PROVIDER = new LifecycleTagDeletionExecutorProvider();
    private static final String PREFIX = LifecycleTagDeletionExecutorContractTest.PREFIX;
    static TaggingServer server;
    static RemoteStorage storage;

    @BeforeAll
    static void start() throws Exception {
        server = TaggingServer.start(LifecycleTagDeletionExecutorContractTest.BUCKET);
        S3StorageProvider provider = new S3StorageProvider();
        storage = provider.create(ProviderConfig.parse("remote_storage",
                LifecycleTagDeletionExecutorContractTest.settings(server), provider.configKeys()));
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

    private static ProviderConfig parse(Map<String, String> section) {
        return ProviderConfig.parse("deletion", section, PROVIDER.configKeys());
    }

    @Test
    void isFoundThroughServiceLoaderAndPinsItsDefaults() {
        assertTrue(ServiceLoader.load(DeletionExecutorProvider.class).stream()
                .anyMatch(provider -> provider.type() == LifecycleTagDeletionExecutorProvider.class),
                "META-INF/services names the provider");
        assertEquals("lifecycle-tag", PROVIDER.name());
        assertEquals(DeletionExecutorProvider.API_MAJOR_VERSION, PROVIDER.apiMajorVersion());
        ProviderConfig defaults = parse(Map.of());
        assertEquals("strata-expired", defaults.get(LifecycleTagDeletionExecutorProvider.TAG_KEY));
        assertEquals("true", defaults.get(LifecycleTagDeletionExecutorProvider.TAG_VALUE));
        try (DeletionExecutor executor = PROVIDER.create(defaults, storage)) {
            assertEquals(32, executor.maxKeysPerCall());
        }
    }

    @Test
    void sendsPutObjectTaggingWithTheConfiguredTagUnderTheStoragePrefix() throws Exception {
        server.store(PREFIX + "tenants/t/custom");
        try (DeletionExecutor executor = PROVIDER.create(parse(Map.of("tag_key", "expire-me", "tag_value", "after-7d")),
                storage)) {
            assertEquals(List.of(DeleteResult.deleted("tenants/t/custom")),
                    executor.delete(List.of("tenants/t/custom"), CallContext.NONE));
        }
        assertEquals(Map.of("expire-me", "after-7d"), server.tags(PREFIX + "tenants/t/custom"));
        String body = server.lastTaggingBody(PREFIX + "tenants/t/custom");
        assertTrue(body.contains("<TagSet><Tag><Key>expire-me</Key><Value>after-7d</Value></Tag></TagSet>"), body);
        S3Storage s3 = storage.unwrap(S3Storage.class).orElseThrow();
        assertEquals(Map.of("expire-me", "after-7d"), s3.tags("tenants/t/custom", CallContext.NONE),
                "GetObjectTagging reads the tag back");
    }

    @Test
    void aFailingKeyIsReportedForThatKeyAloneAndClassified() throws Exception {
        List<String> keys = List.of("tenants/t/ok-1", "tenants/t/denied", "tenants/t/busy", "tenants/t/ok-2");
        keys.forEach(key -> server.store(PREFIX + key));
        server.fail(PREFIX + "tenants/t/denied", new TaggingServer.Failure(403, "AccessDenied"));
        server.fail(PREFIX + "tenants/t/busy", new TaggingServer.Failure(503, "SlowDown"));
        try (DeletionExecutor executor = PROVIDER.create(parse(Map.of()), storage)) {
            List<DeleteResult> results = executor.delete(keys, CallContext.NONE);
            assertEquals(keys, results.stream().map(DeleteResult::key).toList());
            assertTrue(results.get(0).isDeleted() && results.get(3).isDeleted(), results.toString());
            assertInstanceOf(RemoteStorageException.Permanent.class, results.get(1).error().orElseThrow());
            assertInstanceOf(RemoteStorageException.Transient.class, results.get(2).error().orElseThrow());
        }
        assertEquals(Map.of("strata-expired", "true"), server.tags(PREFIX + "tenants/t/ok-2"));
        assertEquals(Map.of(), server.tags(PREFIX + "tenants/t/denied"));
    }

    @Test
    void worksThroughWrappersOfTheS3Storage() throws Exception {
        server.store(PREFIX + "tenants/t/wrapped");
        RemoteStorage wrapped = new FaultInjectingRemoteStorage(storage, FaultInjectingRemoteStorage.Faults.NONE, 1);
        try (DeletionExecutor executor = PROVIDER.create(parse(Map.of()), wrapped)) {
            assertTrue(executor.delete(List.of("tenants/t/wrapped"), CallContext.NONE).getFirst().isDeleted());
        }
        assertEquals(Map.of("strata-expired", "true"), server.tags(PREFIX + "tenants/t/wrapped"));
    }

    @Test
    void anotherBackendIsRefusedNamingTheExecutorAndTheBackend() {
        ConfigException e = assertThrows(ConfigException.class, () -> PROVIDER.create(parse(Map.of()), new NotS3Storage()));
        assertEquals("[deletion] executor = 'lifecycle-tag' needs [remote_storage] provider = 's3' (it tags objects"
                + " with the bucket's S3 client), but the remote storage is NotS3Storage[/srv/bucket]", e.getMessage());
    }

    @Test
    void badSettingsAreRefusedNamingKeyAndValue() {
        for (Map.Entry<Map<String, String>, String> bad : List.<Map.Entry<Map<String, String>, String>>of(
                Map.entry(Map.of("tag_key", " "), "tag_key = ' ' is not 1 to 128 characters, not starting with 'aws:'"),
                Map.entry(Map.of("tag_key", "aws:expired"), "tag_key = 'aws:expired' is not 1 to 128 characters"),
                Map.entry(Map.of("tag_value", "v".repeat(257)), "is not at most 256 characters"),
                Map.entry(Map.of("tag", "x"), "tag"))) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(bad.getKey()));
            assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
        }
    }

    /** A remote storage that is not S3; the executor must refuse it before any call. */
    private static final class NotS3Storage implements RemoteStorage {
        @Override
        public Set<Capability> capabilities() {
            return Set.of();
        }

        @Override
        public int maxKeysPerDelete() {
            return 1;
        }

        @Override
        public ListPage list(ListRequest request, CallContext context) {
            throw new AssertionError("not called");
        }

        @Override
        public ObjectMetadata head(String key, CallContext context) {
            throw new AssertionError("not called");
        }

        @Override
        public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context) {
            throw new AssertionError("not called");
        }

        @Override
        public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context) {
            throw new AssertionError("not called");
        }

        @Override
        public void delete(String key, CallContext context) {
            throw new AssertionError("not called");
        }

        @Override
        public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) {
            throw new AssertionError("not called");
        }

        @Override
        public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) {
            throw new AssertionError("not called");
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "NotS3Storage[/srv/bucket]";
        }
    }
}
