package dev.strata.backend.s3;

import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.CheckedInputStream;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteKeys;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CopyObjectResult;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectTaggingResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@link RemoteStorage} on S3 with the AWS SDK v2 (synchronous client, the Apache 5 HTTP client set explicitly, SDK retries
 * off, checksums only where S3 requires them).
 *
 * <ul>
 *   <li>Puts up to {@code multipart_threshold} are read into memory first, so a stream of the wrong length is
 *       refused before anything is sent; larger ones use a multipart upload that is aborted on any failure,
 *       including a wrong length found at the end. "Only if absent" is {@code If-None-Match: *} on the PUT or on
 *       CompleteMultipartUpload.</li>
 *   <li>Every request carries the remaining deadline as its API call timeout; a cancellation interrupts the calling
 *       thread, which aborts the SDK's blocking I/O.</li>
 *   <li>Ranges that S3 answers with 416 (past the end, empty object) become empty reads after a HEAD.</li>
 *   <li>Copies are server-side: CopyObject up to {@code multipart_copy_threshold} (S3 allows 5 GiB), a
 *       {@link MultipartCopy} above it.</li>
 * </ul>
 */
final class S3Storage implements RemoteStorage {
    private final S3Client client;
    private final S3Settings settings;
    private volatile boolean closed;

    private S3Storage(S3Client client, S3Settings settings) {
        this.client = Objects.requireNonNull(client, "client is null");
        this.settings = Objects.requireNonNull(settings, "settings is null");
    }

    static S3Storage open(S3Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(Apache5HttpClient.builder()
                        .connectionTimeout(settings.connectTimeout())
                        .socketTimeout(settings.requestTimeout())
                        .maxConnections(settings.maxConnections())
                        .build())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(override -> override
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(settings.requestTimeout()));
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (settings.deleteContentMd5()) {
            builder.addPlugin(LegacyMd5Plugin.create());
        }
        return new S3Storage(builder.build(), settings);
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.accessKeyId().isEmpty()) {
            return DefaultCredentialsProvider.builder().build();
        }
        String id = settings.accessKeyId().get();
        String secret = settings.secretAccessKey().orElseThrow();
        return StaticCredentialsProvider.create(settings.sessionToken()
                .<software.amazon.awssdk.auth.credentials.AwsCredentials>map(token -> AwsSessionCredentials.create(id, secret, token))
                .orElseGet(() -> AwsBasicCredentials.create(id, secret)));
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CONDITIONAL_PUT, Capability.CONDITIONAL_GET);
    }

    @Override
    public int maxKeysPerDelete() {
        return settings.maxKeysPerDelete();
    }

    private String objectKey(String key) {
        return settings.prefix() + RemoteKeys.requireValid(key);
    }

    private String relativeKey(String objectKey) {
        return objectKey.substring(settings.prefix().length());
    }

    private static String quoted(String etag) {
        return "\"" + etag + "\"";
    }

    static String unquoted(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    /** The remaining deadline as a per-request timeout, never above request_timeout. */
    private AwsRequestOverrideConfiguration timeout(CallContext context) {
        Duration remaining = context.deadline().remaining();
        Duration limit = remaining.compareTo(settings.requestTimeout()) < 0 ? remaining : settings.requestTimeout();
        return AwsRequestOverrideConfiguration.builder().apiCallTimeout(limit.isZero() ? Duration.ofMillis(1) : limit).build();
    }

    /** Runs one SDK call of an open storage (see {@link SdkCalls}). */
    private <T> T call(String operation, String key, CallContext context, boolean conditionalPut, SdkCalls.Call<T> call)
            throws RemoteStorageException {
        if (closed) {
            throw new IllegalStateException("s3 storage for bucket " + settings.bucket() + " is closed");
        }
        return SdkCalls.run(operation, key, context, conditionalPut, call);
    }

    @Override
    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        Objects.requireNonNull(request, "request is null");
        return call("list", null, context, false, () -> {
            ListObjectsV2Request.Builder builder = ListObjectsV2Request.builder().bucket(settings.bucket())
                    .prefix(settings.prefix() + request.prefix()).maxKeys(request.maxKeys())
                    .overrideConfiguration(timeout(context));
            request.delimiter().ifPresent(builder::delimiter);
            request.continuationToken().ifPresent(builder::continuationToken);
            ListObjectsV2Response response = client.listObjectsV2(builder.build());
            List<ObjectMetadata> objects = new ArrayList<>();
            for (S3Object object : response.contents()) {
                objects.add(new ObjectMetadata(relativeKey(object.key()), object.size(), unquoted(object.eTag()),
                        object.lastModified() == null ? Instant.EPOCH : object.lastModified()));
            }
            List<String> prefixes = response.commonPrefixes().stream().map(CommonPrefix::prefix).map(this::relativeKey).toList();
            Optional<String> next = Boolean.TRUE.equals(response.isTruncated())
                    ? Optional.ofNullable(response.nextContinuationToken()) : Optional.empty();
            return new ListPage(objects, prefixes, next);
        });
    }

    @Override
    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        String objectKey = objectKey(key);
        return call("head", key, context, false, () -> {
            HeadObjectResponse response = client.headObject(builder -> builder.bucket(settings.bucket()).key(objectKey)
                    .overrideConfiguration(timeout(context)));
            return new ObjectMetadata(key, response.contentLength(), unquoted(response.eTag()), lastModified(response.lastModified()));
        });
    }

    private static Instant lastModified(Instant instant) {
        return instant == null ? Instant.EPOCH : instant;
    }

    @Override
    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        String objectKey = objectKey(key);
        Objects.requireNonNull(data, "data is null");
        Objects.requireNonNull(options, "options is null");
        if (size < 0) {
            throw new IllegalArgumentException("size of put '" + key + "' is negative: " + size);
        }
        if (size > settings.multipartThreshold()) {
            return new MultipartUpload(client, settings, key, objectKey, options, context, this::timeout).run(data, size);
        }
        byte[] bytes = Uploads.readExactly(data, (int) size, key, context);
        return call("put", key, context, options.ifAbsent(), () -> {
            PutObjectRequest.Builder builder = PutObjectRequest.builder().bucket(settings.bucket()).key(objectKey)
                    .contentType(options.contentType()).contentLength(size).overrideConfiguration(timeout(context));
            settings.storageClass().ifPresent(builder::storageClass);
            if (options.ifAbsent()) {
                builder.ifNoneMatch("*");
            }
            String etag = client.putObject(builder.build(), Uploads.body(bytes)).eTag();
            return new ObjectMetadata(key, size, unquoted(etag), Instant.now());
        });
    }

    @Override
    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        String objectKey = objectKey(key);
        Objects.requireNonNull(range, "range is null");
        Objects.requireNonNull(ifMatchEtag, "ifMatchEtag is null");
        String header = switch (range) {
            case ByteRange.Whole _ -> null;
            case ByteRange.Span span -> span.length() == 0 ? "" : "bytes=" + span.offset() + "-" + (span.offset() + span.length() - 1);
            case ByteRange.Tail tail -> tail.length() == 0 ? "" : "bytes=-" + tail.length();
        };
        if ("".equals(header)) {
            return emptyRead(key, range, ifMatchEtag, context);
        }
        ResponseInputStream<GetObjectResponse> stream;
        try {
            stream = call("get", key, context, false, () -> {
                GetObjectRequest.Builder builder = GetObjectRequest.builder().bucket(settings.bucket()).key(objectKey)
                        .overrideConfiguration(timeout(context));
                if (header != null) {
                    builder.range(header);
                }
                ifMatchEtag.ifPresent(etag -> builder.ifMatch(quoted(etag)));
                return client.getObject(builder.build());
            });
        } catch (RemoteStorageException.Permanent e) {
            if (e.getCause() instanceof S3Exception s3 && s3.statusCode() == 416) {
                return emptyRead(key, range, ifMatchEtag, context);
            }
            throw e;
        }
        GetObjectResponse response = stream.response();
        long length = response.contentLength();
        long total = totalSize(response.contentRange(), length);
        long offset = total - length - (response.contentRange() == null ? 0 : trailing(response.contentRange(), total));
        ObjectMetadata metadata = new ObjectMetadata(key, total, unquoted(response.eTag()), lastModified(response.lastModified()));
        return new ObjectContent(metadata, Math.max(0, offset), length, new CheckedInputStream(stream, key, context, stream::abort,
                failure -> new RemoteStorageException.Transient("get", key, "reading the body failed: " + failure, null, failure)));
    }

    /** A read that returns no bytes: the metadata from a HEAD (which also applies the ETag condition). */
    private ObjectContent emptyRead(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        ObjectMetadata metadata = head(key, context);
        if (ifMatchEtag.isPresent() && !ifMatchEtag.get().equals(metadata.etag())) {
            throw new RemoteStorageException.PreconditionFailed("get", key, "ETag is " + metadata.etag() + ", expected "
                    + ifMatchEtag.get(), null);
        }
        long start = range.start(metadata.size());
        long length = range.length(metadata.size());
        if (length != 0) {
            throw new RemoteStorageException.Transient("get", key, "the object changed during the read", null, null);
        }
        return new ObjectContent(metadata, start, 0, InputStream.nullInputStream());
    }

    /** The object size from {@code Content-Range: bytes a-b/total}, or the length of a whole-object answer. */
    private static long totalSize(String contentRange, long length) {
        if (contentRange == null) {
            return length;
        }
        int slash = contentRange.lastIndexOf('/');
        return Long.parseLong(contentRange.substring(slash + 1).strip());
    }

    /** Bytes after the returned range: total - 1 - b. */
    private static long trailing(String contentRange, long total) {
        int dash = contentRange.indexOf('-');
        int slash = contentRange.lastIndexOf('/');
        long end = Long.parseLong(contentRange.substring(dash + 1, slash).strip());
        return total - 1 - end;
    }

    @Override
    public void delete(String key, CallContext context) throws RemoteStorageException {
        String objectKey = objectKey(key);
        try {
            call("delete", key, context, false, () -> client.deleteObject(builder -> builder.bucket(settings.bucket())
                    .key(objectKey).overrideConfiguration(timeout(context))));
        } catch (RemoteStorageException.NotFound alreadyGone) {
            // missing counts as deleted
        }
    }

    @Override
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        List<String> objectKeys = keys.stream().map(this::objectKey).toList();
        List<DeleteResult> results = new ArrayList<>(keys.size());
        for (int start = 0; start < keys.size(); start += settings.maxKeysPerDelete()) {
            int end = Math.min(keys.size(), start + settings.maxKeysPerDelete());
            List<String> batch = keys.subList(start, end);
            List<ObjectIdentifier> identifiers = objectKeys.subList(start, end).stream().distinct()
                    .map(objectKey -> ObjectIdentifier.builder().key(objectKey).build()).toList();
            context.check("deleteBatch", null);
            Map<String, RemoteStorageException> errors = new HashMap<>();
            try {
                DeleteObjectsResponse response = call("deleteBatch", null, context, false, () -> client.deleteObjects(builder ->
                        builder.bucket(settings.bucket()).delete(delete -> delete.objects(identifiers).quiet(true))
                                .overrideConfiguration(timeout(context))));
                for (S3Error error : response.errors()) {
                    if (!"NoSuchKey".equals(error.code())) {
                        errors.put(relativeKey(error.key()), keyError(relativeKey(error.key()), error));
                    }
                }
            } catch (RemoteStorageException.Cancelled | RemoteStorageException.Timeout e) {
                if (context.cancellation().isCancelled() || context.deadline().isExpired()) {
                    throw e;
                }
                batch.forEach(key -> errors.put(key, e));
            } catch (RemoteStorageException e) {
                batch.forEach(key -> errors.put(key, e));
            }
            for (String key : batch) {
                RemoteStorageException error = errors.get(key);
                results.add(error == null ? DeleteResult.deleted(key) : DeleteResult.failed(key, error));
            }
        }
        return results;
    }

    private static RemoteStorageException keyError(String key, S3Error error) {
        String message = error.code() + ": " + error.message();
        return switch (String.valueOf(error.code())) {
            case "SlowDown", "InternalError", "ServiceUnavailable", "OperationAborted", "RequestTimeout" ->
                    new RemoteStorageException.Transient("delete", key, message, null, null);
            default -> new RemoteStorageException.Permanent("delete", key, message, null);
        };
    }

    /**
     * A HEAD of the source first: it gives the size that chooses CopyObject or a {@link MultipartCopy}, and the ETag
     * that the copy requires of the source ({@code x-amz-copy-source-if-match}), so a source replaced in between is
     * a Transient failure rather than a copy of another version than the one measured.
     */
    @Override
    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        String source = objectKey(sourceKey);
        String target = objectKey(targetKey);
        HeadObjectResponse head = call("copy", sourceKey, context, false, () -> client.headObject(builder -> builder
                .bucket(settings.bucket()).key(source).overrideConfiguration(timeout(context))));
        if (source.equals(target)) {
            // S3 refuses a copy onto itself that changes nothing; the SPI allows it and it leaves the object as it is.
            return new ObjectMetadata(targetKey, head.contentLength(), unquoted(head.eTag()), lastModified(head.lastModified()));
        }
        if (head.contentLength() > settings.multipartCopyThreshold()) {
            return new MultipartCopy(client, settings, sourceKey, source, targetKey, target, context, this::timeout).run(head);
        }
        try {
            return call("copy", sourceKey, context, false, () -> {
                CopyObjectResult result = client.copyObject(builder -> {
                    builder.sourceBucket(settings.bucket()).sourceKey(source).copySourceIfMatch(head.eTag())
                            .destinationBucket(settings.bucket()).destinationKey(target).overrideConfiguration(timeout(context));
                    settings.storageClass().ifPresent(builder::storageClass);
                }).copyObjectResult();
                if (result != null && result.eTag() != null) {
                    return new ObjectMetadata(targetKey, head.contentLength(), unquoted(result.eTag()),
                            lastModified(result.lastModified()));
                }
                HeadObjectResponse copied = client.headObject(builder -> builder.bucket(settings.bucket()).key(target)
                        .overrideConfiguration(timeout(context)));
                return new ObjectMetadata(targetKey, copied.contentLength(), unquoted(copied.eTag()), lastModified(copied.lastModified()));
            });
        } catch (RemoteStorageException.PreconditionFailed changed) {
            throw new RemoteStorageException.Transient("copy", sourceKey,
                    "the source was replaced during the copy; copying again copies the new version", null, changed);
        }
    }

    /**
     * Replaces the tag set of {@code key} with the one tag {@code tagKey=tagValue} (PutObjectTagging), so that a
     * bucket lifecycle rule filtering on that tag expires the object.
     *
     * @throws RemoteStorageException.NotFound if no object has the key
     */
    void tag(String key, String tagKey, String tagValue, CallContext context) throws RemoteStorageException {
        String objectKey = objectKey(key);
        context.check("tag", key);
        call("tag", key, context, false, () -> client.putObjectTagging(builder -> builder.bucket(settings.bucket())
                .key(objectKey).tagging(tagging -> tagging.tagSet(tag -> tag.key(tagKey).value(tagValue)))
                .overrideConfiguration(timeout(context))));
    }

    /**
     * The tags of {@code key} (GetObjectTagging), tag key to value.
     *
     * @throws RemoteStorageException.NotFound if no object has the key
     */
    Map<String, String> tags(String key, CallContext context) throws RemoteStorageException {
        String objectKey = objectKey(key);
        context.check("tags", key);
        GetObjectTaggingResponse response = call("tags", key, context, false, () -> client.getObjectTagging(builder ->
                builder.bucket(settings.bucket()).key(objectKey).overrideConfiguration(timeout(context))));
        Map<String, String> tags = new HashMap<>();
        response.tagSet().forEach(tag -> tags.put(tag.key(), tag.value()));
        return Map.copyOf(tags);
    }

    @Override
    public void close() {
        closed = true;
        client.close();
    }

    @Override
    public String toString() {
        return "S3Storage[" + settings + "]";
    }
}
