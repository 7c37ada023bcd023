package dev.strata.backend.s3;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteStorageException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;

/**
 * One multipart upload: create, upload parts of {@code multipart_part_size} read one at a time, complete (with
 * {@code If-None-Match: *} for "only if absent"). Any failure, cancellation or a stream of the wrong length
 * aborts the upload, so no parts are left to be billed and nothing becomes visible.
 */
final class MultipartUpload {
    private static final Duration ABORT_TIMEOUT = Duration.ofSeconds(30);

    private final S3Client client;
    private final S3Settings settings;
    private final String key;
    private final String objectKey;
    private final PutOptions options;
    private final CallContext context;
    private final Function<CallContext, AwsRequestOverrideConfiguration> timeout;

    MultipartUpload(S3Client client, S3Settings settings, String key, String objectKey, PutOptions options,
            CallContext context, Function<CallContext, AwsRequestOverrideConfiguration> timeout) {
        this.client = Objects.requireNonNull(client, "client is null");
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.key = Objects.requireNonNull(key, "key is null");
        this.objectKey = Objects.requireNonNull(objectKey, "objectKey is null");
        this.options = Objects.requireNonNull(options, "options is null");
        this.context = Objects.requireNonNull(context, "context is null");
        this.timeout = Objects.requireNonNull(timeout, "timeout is null");
    }

    ObjectMetadata run(InputStream data, long size) throws RemoteStorageException {
        context.check("put", key);
        String uploadId = sdk(() -> {
            CreateMultipartUploadRequest.Builder builder = CreateMultipartUploadRequest.builder().bucket(settings.bucket())
                    .key(objectKey).contentType(options.contentType()).overrideConfiguration(timeout.apply(context));
            settings.storageClass().ifPresent(builder::storageClass);
            return client.createMultipartUpload(builder.build()).uploadId();
        });
        boolean success = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long sent = 0;
            for (int number = 1; sent < size; number++) {
                int length = (int) Math.min(settings.partSize(), size - sent);
                byte[] part = Uploads.readUpTo(data, length, key, context);
                if (part.length < length) {
                    throw new RemoteStorageException.Permanent("put", key, "the data ended after " + (sent + part.length)
                            + " of " + size + " bytes", null);
                }
                int partNumber = number;
                String etag = sdk(() -> client.uploadPart(builder -> builder.bucket(settings.bucket()).key(objectKey)
                        .uploadId(uploadId).partNumber(partNumber).contentLength((long) part.length)
                        .overrideConfiguration(timeout.apply(context)), Uploads.body(part)).eTag());
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                sent += length;
            }
            Uploads.requireEnd(data, size, key);
            context.check("put", key);
            String etag = sdk(() -> {
                CompleteMultipartUploadRequest.Builder builder = CompleteMultipartUploadRequest.builder()
                        .bucket(settings.bucket()).key(objectKey).uploadId(uploadId)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())
                        .overrideConfiguration(timeout.apply(context));
                if (options.ifAbsent()) {
                    builder.ifNoneMatch("*");
                }
                return client.completeMultipartUpload(builder.build()).eTag();
            });
            success = true;
            return new ObjectMetadata(key, size, S3Storage.unquoted(etag), Instant.now());
        } finally {
            if (!success) {
                abort(uploadId);
            }
        }
    }

    /** Best effort, with its own short timeout: the caller's deadline may be what ended the upload. */
    private void abort(String uploadId) {
        try {
            client.abortMultipartUpload(builder -> builder.bucket(settings.bucket()).key(objectKey).uploadId(uploadId)
                    .overrideConfiguration(override -> override.apiCallTimeout(ABORT_TIMEOUT)));
        } catch (RuntimeException e) {
            // a bucket lifecycle rule for incomplete multipart uploads is the backstop
        }
    }

    private <T> T sdk(SdkCalls.Call<T> call) throws RemoteStorageException {
        return SdkCalls.run("put", key, context, options.ifAbsent(), call);
    }
}
