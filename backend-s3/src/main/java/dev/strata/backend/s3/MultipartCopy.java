package dev.strata.backend.s3;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.RemoteStorageException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A server-side copy of an object larger than {@code multipart_copy_threshold}, which CopyObject cannot do above
 * 5 GiB: create a multipart upload of the target, copy the source in byte ranges with UploadPartCopy, complete.
 * No object bytes pass through this process.
 *
 * <ul>
 *   <li>Every part is copied only if the source still has the ETag it had when the copy began
 *       ({@code x-amz-copy-source-if-match}), so the target never mixes versions; a source replaced meanwhile
 *       fails the copy as {@link RemoteStorageException.Transient} (a retry copies the new version), a source
 *       deleted meanwhile as {@link RemoteStorageException.NotFound}.</li>
 *   <li>Parts are {@code multipart_copy_part_size}, raised when needed to stay within S3's 10,000 parts.</li>
 *   <li>The caller's context is checked before every part and before completing. Any failure or cancellation
 *       aborts the upload, so no copied parts are left to be billed and the target is unchanged.</li>
 * </ul>
 */
final class MultipartCopy {
    /** S3's limit on the parts of one multipart upload. */
    static final int MAX_PARTS = 10_000;
    private static final Duration ABORT_TIMEOUT = Duration.ofSeconds(30);

    private final S3Client client;
    private final S3Settings settings;
    private final String sourceKey;
    private final String sourceObjectKey;
    private final String targetKey;
    private final String targetObjectKey;
    private final CallContext context;
    private final Function<CallContext, AwsRequestOverrideConfiguration> timeout;

    MultipartCopy(S3Client client, S3Settings settings, String sourceKey, String sourceObjectKey, String targetKey,
            String targetObjectKey, CallContext context, Function<CallContext, AwsRequestOverrideConfiguration> timeout) {
        this.client = Objects.requireNonNull(client, "client is null");
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.sourceKey = Objects.requireNonNull(sourceKey, "sourceKey is null");
        this.sourceObjectKey = Objects.requireNonNull(sourceObjectKey, "sourceObjectKey is null");
        this.targetKey = Objects.requireNonNull(targetKey, "targetKey is null");
        this.targetObjectKey = Objects.requireNonNull(targetObjectKey, "targetObjectKey is null");
        this.context = Objects.requireNonNull(context, "context is null");
        this.timeout = Objects.requireNonNull(timeout, "timeout is null");
    }

    /** The part size for an object of {@code size} bytes: the configured one, or larger to fit in MAX_PARTS. */
    static long partSize(long configured, long size) {
        long fitting = (size + MAX_PARTS - 1) / MAX_PARTS;
        return Math.max(configured, fitting);
    }

    /** Copies the source version that {@code source} (its HEAD) describes. */
    ObjectMetadata run(HeadObjectResponse source) throws RemoteStorageException {
        long size = source.contentLength();
        String sourceEtag = source.eTag();
        long partSize = partSize(settings.multipartCopyPartSize(), size);
        String uploadId = sdk(() -> {
            CreateMultipartUploadRequest.Builder builder = CreateMultipartUploadRequest.builder().bucket(settings.bucket())
                    .key(targetObjectKey).overrideConfiguration(timeout.apply(context));
            if (source.contentType() != null) {
                builder.contentType(source.contentType());
            }
            settings.storageClass().ifPresent(builder::storageClass);
            return client.createMultipartUpload(builder.build()).uploadId();
        });
        boolean success = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long copied = 0;
            for (int number = 1; copied < size; number++) {
                long last = Math.min(size, copied + partSize) - 1;
                String range = "bytes=" + copied + "-" + last;
                int partNumber = number;
                String etag = sourceUnchanged(() -> client.uploadPartCopy(builder -> builder
                        .sourceBucket(settings.bucket()).sourceKey(sourceObjectKey).copySourceIfMatch(sourceEtag)
                        .copySourceRange(range).destinationBucket(settings.bucket()).destinationKey(targetObjectKey)
                        .uploadId(uploadId).partNumber(partNumber).overrideConfiguration(timeout.apply(context)))
                        .copyPartResult().eTag());
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                copied = last + 1;
            }
            String etag = sdk(() -> client.completeMultipartUpload(builder -> builder.bucket(settings.bucket())
                    .key(targetObjectKey).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())
                    .overrideConfiguration(timeout.apply(context))).eTag());
            success = true;
            return new ObjectMetadata(targetKey, size, S3Storage.unquoted(etag), Instant.now());
        } finally {
            if (!success) {
                abort(uploadId);
            }
        }
    }

    /** A part copy; a 412 means the source is no longer the version the copy began with. */
    private <T> T sourceUnchanged(SdkCalls.Call<T> call) throws RemoteStorageException {
        try {
            return sdk(call);
        } catch (RemoteStorageException.PreconditionFailed changed) {
            throw new RemoteStorageException.Transient("copy", sourceKey,
                    "the source was replaced during the copy; copying again copies the new version", null, changed);
        }
    }

    /** Best effort, with its own short timeout: the caller's deadline may be what ended the copy. */
    private void abort(String uploadId) {
        try {
            client.abortMultipartUpload(builder -> builder.bucket(settings.bucket()).key(targetObjectKey).uploadId(uploadId)
                    .overrideConfiguration(override -> override.apiCallTimeout(ABORT_TIMEOUT)));
        } catch (RuntimeException e) {
            // a bucket lifecycle rule for incomplete multipart uploads is the backstop
        }
    }

    private <T> T sdk(SdkCalls.Call<T> call) throws RemoteStorageException {
        return SdkCalls.run("copy", sourceKey, context, false, call);
    }
}
