package dev.strata.backend.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.CopyStatusType;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Copies against Azurite are done by the service (Copy Blob), not by reading and writing through this process: the
 * target carries the copy status and source that only Copy Blob records.
 */
final class AzureServerSideCopyTest {
    private static final int MIB = 1024 * 1024;
    private static final String PREFIX = "deployment/";
    private static final CallContext NONE = CallContext.NONE;

    static AzuriteServer server;
    static BlobContainerClient container;
    static RemoteStorage storage;

    @BeforeAll
    static void start() throws Exception {
        server = AzuriteServer.start(Path.of(System.getProperty("strata.test.work", "target/test-work"))
                .resolve("azurite-" + UUID.randomUUID()));
        String name = "copies-" + UUID.randomUUID().toString().substring(0, 8);
        container = new BlobServiceClientBuilder().endpoint(server.endpoint().toString())
                .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY))
                .httpClient(new JdkHttpClientBuilder().build()).buildClient()
                .createBlobContainer(name);
        AzureStorageProvider provider = new AzureStorageProvider();
        storage = provider.create(ProviderConfig.parse("remote_storage", Map.of("container", name,
                "account_name", AzuriteServer.ACCOUNT, "account_key", AzuriteServer.KEY,
                "endpoint", server.endpoint().toString(), "prefix", PREFIX,
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

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static void put(String key, byte[] data) throws RemoteStorageException {
        storage.put(key, new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT, NONE);
    }

    private static byte[] get(String key) throws IOException {
        try (ObjectContent content = storage.get(key, ByteRange.WHOLE, Optional.empty(), NONE)) {
            return content.readAllBytes();
        }
    }

    @Test
    void aMultiMebibyteBlobIsCopiedByTheServiceByteForByte() throws IOException {
        byte[] data = randomBytes(6 * MIB + 123, 1);
        put("large/source", data);
        put("large/target", randomBytes(10, 2));
        ObjectMetadata copied = storage.copy("large/source", "large/target", NONE);
        assertEquals("large/target", copied.key());
        assertEquals(data.length, copied.size());
        assertEquals(storage.head("large/target", NONE).etag(), copied.etag());
        assertArrayEquals(data, get("large/target"));

        BlobProperties target = container.getBlobClient(PREFIX + "large/target").getProperties();
        assertEquals(CopyStatusType.SUCCESS, target.getCopyStatus(), "Copy Blob recorded the copy");
        assertTrue(URLDecoder.decode(target.getCopySource(), StandardCharsets.UTF_8).endsWith("/" + PREFIX + "large/source"),
                target.getCopySource());
        assertFalse(target.getCopyId() == null || target.getCopyId().isEmpty(), "a copy id");
    }

    @Test
    void aMissingSourceIsNotFoundAndTheTargetIsUnchanged() throws IOException {
        byte[] kept = randomBytes(1000, 3);
        put("missing/target", kept);
        RemoteStorageException.NotFound missing = assertThrows(RemoteStorageException.NotFound.class,
                () -> storage.copy("missing/source", "missing/target", NONE));
        assertEquals("copy", missing.operation());
        assertEquals(Optional.of("missing/source"), missing.key());
        assertArrayEquals(kept, get("missing/target"));
    }

    @Test
    void aSourceThatNoLongerHasTheMeasuredEtagIsTransientAndNoTargetIsWritten() throws IOException {
        put("stale/source", randomBytes(2 * MIB, 4));
        BlobCopy copy = new BlobCopy(container.getBlobClient(PREFIX + "stale/source"),
                container.getBlobClient(PREFIX + "stale/target"), Optional.empty(), "stale/source", "stale/target", NONE,
                context -> Duration.ofSeconds(30));
        RemoteStorageException.Transient changed = assertThrows(RemoteStorageException.Transient.class,
                () -> copy.run("0x8DD000000000000"));
        assertTrue(changed.getMessage().contains("the source was replaced before the copy began"), changed.getMessage());
        assertThrows(RemoteStorageException.NotFound.class, () -> storage.head("stale/target", NONE));
    }
}
