package dev.strata.backend.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Copies above {@code multipart_copy_threshold} against S3Proxy (which implements UploadPartCopy with
 * {@code x-amz-copy-source-range} and {@code x-amz-copy-source-if-match}), with the threshold and part size at
 * S3's 5 MiB minimum so that a 10 MiB object is copied in three parts. Failures are provoked at a point the test
 * observes from outside: once the target's multipart upload holds a copied part (listed with a client of its own).
 */
final class S3MultipartCopyTest {
    private static final int MIB = 1024 * 1024;
    private static final String PREFIX = "deployment/";
    private static final CallContext NONE = CallContext.NONE;

    static S3ProxyServer server;
    static S3Client observer;
    static String bucket;
    static RemoteStorage storage;

    @BeforeAll
    static void start() throws Exception {
        server = S3ProxyServer.start(Path.of(System.getProperty("strata.test.work", "target/test-work"))
                .resolve("s3proxy-" + UUID.randomUUID()));
        bucket = "copies-" + UUID.randomUUID().toString().substring(0, 8);
        S3ContractTest.createBucket(server, bucket);
        observer = S3Client.builder().httpClient(Apache5HttpClient.create()).region(Region.US_EAST_1)
                .endpointOverride(server.endpoint()).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY))).build();
        Map<String, String> settings = new HashMap<>(S3ContractTest.settings(server, bucket));
        settings.put("multipart_copy_threshold", "5MiB");
        settings.put("multipart_copy_part_size", "5MiB");
        S3StorageProvider provider = new S3StorageProvider();
        storage = provider.create(ProviderConfig.parse("remote_storage", settings, provider.configKeys()));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (storage != null) {
                storage.close();
            }
            if (observer != null) {
                observer.close();
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

    /** Multipart uploads in progress in the bucket, as S3's ListMultipartUploads reports them. */
    private static List<MultipartUpload> uploadsInProgress() {
        return observer.listMultipartUploads(builder -> builder.bucket(bucket)).uploads();
    }

    @Test
    void anObjectAboveTheThresholdIsCopiedInPartsByteForByte() throws IOException {
        byte[] data = randomBytes(10 * MIB + 12_345, 1);
        put("large/source", data);
        ObjectMetadata copied = storage.copy("large/source", "large/target", NONE);
        assertEquals("large/target", copied.key());
        assertEquals(data.length, copied.size());
        assertTrue(copied.etag().endsWith("-3"), "a multipart ETag of 3 parts (5 MiB, 5 MiB, 12,345 bytes): " + copied.etag());
        assertEquals(copied.etag(), storage.head("large/target", NONE).etag());
        assertArrayEquals(data, get("large/target"));
        assertEquals(List.of(), uploadsInProgress());

        byte[] small = randomBytes(MIB, 2);
        put("small/source", small);
        ObjectMetadata single = storage.copy("small/source", "small/target", NONE);
        assertFalse(single.etag().contains("-"), "at or below the threshold, one CopyObject: " + single.etag());
        assertArrayEquals(small, get("small/target"));
    }

    @Test
    void aCopyCancelledAfterItsFirstPartAbortsTheUploadAndLeavesNoTarget() throws IOException {
        byte[] data = randomBytes(6 * MIB, 3);
        put("cancelled/source", data);
        AfterFirstPart cancelsAfterFirstPart = new AfterFirstPart(PREFIX + "cancelled/target", () -> {}, true);
        assertThrows(RemoteStorageException.Cancelled.class, () -> storage.copy("cancelled/source", "cancelled/target",
                new CallContext(cancelsAfterFirstPart, Deadline.NONE)));
        assertTrue(cancelsAfterFirstPart.fired(), "the copy was cancelled after it had copied a part");
        assertEquals(List.of(), uploadsInProgress(), "the multipart upload was aborted");
        assertThrows(RemoteStorageException.NotFound.class, () -> storage.head("cancelled/target", NONE));
        assertArrayEquals(data, get("cancelled/source"));
    }

    @Test
    void aSourceReplacedDuringTheCopyFailsTransientlyAbortsAndTheRetryCopiesTheNewVersion() throws IOException {
        byte[] first = randomBytes(6 * MIB, 4);
        byte[] second = randomBytes(7 * MIB, 5);
        put("replaced/source", first);
        AfterFirstPart replacesSource = new AfterFirstPart(PREFIX + "replaced/target", () -> observer.putObject(
                builder -> builder.bucket(bucket).key(PREFIX + "replaced/source").contentType("application/octet-stream"),
                RequestBody.fromBytes(second)), false);
        RemoteStorageException.Transient changed = assertThrows(RemoteStorageException.Transient.class,
                () -> storage.copy("replaced/source", "replaced/target", new CallContext(replacesSource, Deadline.NONE)));
        assertTrue(replacesSource.fired(), "the source was replaced after a part had been copied");
        assertTrue(changed.getMessage().contains("the source was replaced during the copy"), changed.getMessage());
        assertEquals(List.of(), uploadsInProgress(), "the multipart upload was aborted");
        assertThrows(RemoteStorageException.NotFound.class, () -> storage.head("replaced/target", NONE));

        storage.copy("replaced/source", "replaced/target", NONE);
        assertArrayEquals(second, get("replaced/target"), "the copy holds one whole version, the new one");
    }

    @Test
    void partsStayWithinTenThousand() {
        assertEquals(512L * MIB, MultipartCopy.partSize(512L * MIB, 5L << 30));
        long fiveTebibytes = 5L << 40;
        long part = MultipartCopy.partSize(512L * MIB, fiveTebibytes);
        assertTrue(part > 512L * MIB, "raised for a 5 TiB object: " + part);
        assertTrue((fiveTebibytes + part - 1) / part <= MultipartCopy.MAX_PARTS, "parts of " + part);
        assertEquals(5L * MIB, MultipartCopy.partSize(5L * MIB, 12L * MIB));
    }

    /**
     * A cancellation signal that looks at the bucket each time the copy checks it: once a multipart upload of
     * {@code targetObjectKey} holds a copied part, it runs {@code action} once and, if {@code cancels}, reports
     * cancelled from then on. It never fires asynchronously, so the copy notices it at its next check (before the
     * next part or the completion).
     */
    private static final class AfterFirstPart implements Cancellation {
        private final String targetObjectKey;
        private final Runnable action;
        private final boolean cancels;
        private volatile boolean fired;

        AfterFirstPart(String targetObjectKey, Runnable action, boolean cancels) {
            this.targetObjectKey = targetObjectKey;
            this.action = action;
            this.cancels = cancels;
        }

        boolean fired() {
            return fired;
        }

        @Override
        public synchronized boolean isCancelled() {
            if (!fired && aPartWasCopied()) {
                fired = true;
                action.run();
            }
            return cancels && fired;
        }

        private boolean aPartWasCopied() {
            for (MultipartUpload upload : observer.listMultipartUploads(builder -> builder.bucket(bucket)
                    .prefix(targetObjectKey)).uploads()) {
                if (!observer.listParts(builder -> builder.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()))
                        .parts().isEmpty()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public Registration onCancel(Runnable onCancel) {
            return () -> {};
        }
    }
}
