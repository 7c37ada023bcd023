package dev.strata.backend.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.batch.BlobBatch;
import com.azure.storage.blob.batch.BlobBatchClient;
import com.azure.storage.blob.batch.BlobBatchClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.strata.api.remote.ByteRange;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.CheckedInputStream;
import dev.strata.api.remote.Capability;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectContent;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.PutOptions;
import dev.strata.api.remote.RemoteKeys;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@link RemoteStorage} on Azure Blob Storage (block blobs), synchronous clients over the JDK HTTP client, SDK
 * retries off ({@code maxTries = 1}).
 *
 * <ul>
 *   <li>Puts up to {@code block_upload_threshold} are read into memory (so a wrong length is refused before
 *       sending) and sent as one Put Blob; larger ones stage blocks and commit the list. Uncommitted blocks of a
 *       failed upload are never visible and the service discards them. "Only if absent" is
 *       {@code If-None-Match: *} on Put Blob or Put Block List.</li>
 *   <li>A get reads the properties first (size, ETag, and the caller's ETag condition) and then streams the
 *       clipped range pinned to that ETag, so it never mixes versions.</li>
 *   <li>Batch delete uses blob batch requests of {@code max_keys_per_delete} (at most 256).</li>
 *   <li>Copies are server-side ({@link BlobCopy}).</li>
 *   <li>Requests are authorised by a shared key, a SAS or a token credential (Azure's default chain), as
 *       {@link AzureStorageProvider} describes.</li>
 * </ul>
 */
final class AzureStorage implements RemoteStorage {
    private final BlobContainerClient container;
    private final BlobBatchClient batch;
    private final String prefix;
    private final long blockUploadThreshold;
    private final long blockSize;
    private final int maxKeysPerDelete;
    private final Duration requestTimeout;
    private final Optional<String> sourceSas;
    private volatile boolean closed;

    private AzureStorage(BlobContainerClient container, BlobBatchClient batch, String prefix, long blockUploadThreshold,
            long blockSize, int maxKeysPerDelete, Duration requestTimeout, Optional<String> sourceSas) {
        this.container = Objects.requireNonNull(container, "container is null");
        this.batch = Objects.requireNonNull(batch, "batch is null");
        this.prefix = Objects.requireNonNull(prefix, "prefix is null");
        this.blockUploadThreshold = blockUploadThreshold;
        this.blockSize = blockSize;
        this.maxKeysPerDelete = maxKeysPerDelete;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout is null");
        this.sourceSas = Objects.requireNonNull(sourceSas, "sourceSas is null");
    }

    static AzureStorage open(ProviderConfig config) throws RemoteStorageException {
        HttpClient http = new JdkHttpClientBuilder().build();
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                .httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Duration) null, null, null, null));
        Optional<String> connectionString = config.find(AzureStorageProvider.CONNECTION_STRING);
        if (connectionString.isPresent()) {
            builder.connectionString(connectionString.get());
        } else {
            Optional<String> account = config.find(AzureStorageProvider.ACCOUNT_NAME);
            builder.endpoint(config.find(AzureStorageProvider.ENDPOINT).map(Object::toString)
                    .orElseGet(() -> "https://" + account.orElseThrow() + ".blob.core.windows.net"));
            if (config.get(AzureStorageProvider.AUTH).equals(AzureStorageProvider.AUTH_DEFAULT_CREDENTIAL)) {
                builder.credential(defaultCredential(config, http));
            } else if (config.find(AzureStorageProvider.ACCOUNT_KEY).isPresent()) {
                builder.credential(new StorageSharedKeyCredential(account.orElseThrow(),
                        config.get(AzureStorageProvider.ACCOUNT_KEY)));
            } else {
                builder.sasToken(config.get(AzureStorageProvider.SAS_TOKEN));
            }
        }
        BlobServiceClient service;
        try {
            service = builder.buildClient();
        } catch (IllegalArgumentException | IllegalStateException e) {
            // For example a token credential with an http:// endpoint: the SDK sends tokens over HTTPS only.
            throw new RemoteStorageException.Permanent("open", null, "[" + config.section() + "] " + e.getMessage(), e);
        }
        BlobContainerClient container = service.getBlobContainerClient(config.get(AzureStorageProvider.CONTAINER));
        BlobBatchClient batch = new BlobBatchClientBuilder(service).buildClient();
        if (config.get(AzureStorageProvider.CREATE_CONTAINER)) {
            try {
                container.createIfNotExists();
            } catch (RuntimeException e) {
                throw AzureErrors.classify("open", null, e, CallContext.NONE, false);
            }
        }
        return new AzureStorage(container, batch, config.get(AzureStorageProvider.PREFIX),
                config.get(AzureStorageProvider.BLOCK_UPLOAD_THRESHOLD), config.get(AzureStorageProvider.BLOCK_SIZE),
                config.get(AzureStorageProvider.MAX_KEYS_PER_DELETE), config.get(AzureStorageProvider.REQUEST_TIMEOUT),
                sharedAccessSignature(config));
    }

    /**
     * Azure's default credential chain over the storage's HTTP client (so no other client is discovered), with the
     * configured user-assigned managed identity if any. Building it contacts nothing; tokens are fetched on the first
     * request and refreshed by the SDK.
     */
    private static TokenCredential defaultCredential(ProviderConfig config, HttpClient http) {
        DefaultAzureCredentialBuilder credential = new DefaultAzureCredentialBuilder().httpClient(http);
        config.find(AzureStorageProvider.MANAGED_IDENTITY_CLIENT_ID).ifPresent(credential::managedIdentityClientId);
        return credential.build();
    }

    /**
     * The SAS the client is authorised by, if that is how it is authorised (sas_token, or a connection string
     * with a SharedAccessSignature and no AccountKey): a copy source must carry it too.
     */
    static Optional<String> sharedAccessSignature(ProviderConfig config) {
        Optional<String> connectionString = config.find(AzureStorageProvider.CONNECTION_STRING);
        if (connectionString.isEmpty()) {
            return config.find(AzureStorageProvider.ACCOUNT_KEY).isPresent()
                    ? Optional.empty() : config.find(AzureStorageProvider.SAS_TOKEN);
        }
        Optional<String> sas = Optional.empty();
        for (String setting : connectionString.get().split(";")) {
            int equals = setting.indexOf('=');
            String name = equals < 0 ? setting.strip() : setting.substring(0, equals).strip();
            if (name.equalsIgnoreCase("AccountKey")) {
                return Optional.empty();
            }
            if (name.equalsIgnoreCase("SharedAccessSignature")) {
                sas = Optional.of(setting.substring(equals + 1).strip());
            }
        }
        return sas;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CONDITIONAL_PUT, Capability.CONDITIONAL_GET);
    }

    @Override
    public int maxKeysPerDelete() {
        return maxKeysPerDelete;
    }

    private String blobName(String key) {
        return prefix + RemoteKeys.requireValid(key);
    }

    private String relative(String blobName) {
        return blobName.substring(prefix.length());
    }

    private Duration timeout(CallContext context) {
        Duration remaining = context.deadline().remaining();
        Duration limit = remaining.compareTo(requestTimeout) < 0 ? remaining : requestTimeout;
        return limit.isZero() ? Duration.ofMillis(1) : limit;
    }

    static String unquoted(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    static Instant instant(OffsetDateTime time) {
        return time == null ? Instant.EPOCH : time.toInstant();
    }

    /** Runs one SDK call of an open storage (see {@link AzureCalls}). */
    private <T> T call(String operation, String key, CallContext context, boolean conditionalPut, AzureCalls.Call<T> call)
            throws RemoteStorageException {
        if (closed) {
            throw new IllegalStateException("azure storage for container " + container.getBlobContainerName() + " is closed");
        }
        return AzureCalls.run(operation, key, context, conditionalPut, call);
    }

    @Override
    public ListPage list(ListRequest request, CallContext context) throws RemoteStorageException {
        Objects.requireNonNull(request, "request is null");
        return call("list", null, context, false, () -> {
            ListBlobsOptions options = new ListBlobsOptions().setPrefix(prefix + request.prefix())
                    .setMaxResultsPerPage(request.maxKeys());
            Iterator<PagedResponse<BlobItem>> pages = (request.delimiter().isPresent()
                    ? container.listBlobsByHierarchy(request.delimiter().get(), options, timeout(context))
                    : container.listBlobs(options, timeout(context)))
                    .iterableByPage(request.continuationToken().orElse(null), request.maxKeys()).iterator();
            List<ObjectMetadata> objects = new ArrayList<>();
            List<String> prefixes = new ArrayList<>();
            if (!pages.hasNext()) {
                return new ListPage(objects, prefixes, Optional.empty());
            }
            PagedResponse<BlobItem> page = pages.next();
            for (BlobItem item : page.getValue()) {
                if (Boolean.TRUE.equals(item.isPrefix())) {
                    prefixes.add(relative(item.getName()));
                } else {
                    objects.add(new ObjectMetadata(relative(item.getName()), item.getProperties().getContentLength(),
                            unquoted(item.getProperties().getETag()), instant(item.getProperties().getLastModified())));
                }
            }
            String token = page.getContinuationToken();
            return new ListPage(objects, prefixes, token == null || token.isEmpty() ? Optional.empty() : Optional.of(token));
        });
    }

    @Override
    public ObjectMetadata head(String key, CallContext context) throws RemoteStorageException {
        return properties("head", key, Optional.empty(), context);
    }

    private ObjectMetadata properties(String operation, String key, Optional<String> ifMatch, CallContext context)
            throws RemoteStorageException {
        BlobClient blob = container.getBlobClient(blobName(key));
        return call(operation, key, context, false, () -> {
            BlobRequestConditions conditions = ifMatch.map(etag -> new BlobRequestConditions().setIfMatch("\"" + etag + "\""))
                    .orElse(null);
            BlobProperties properties = blob.getPropertiesWithResponse(conditions, timeout(context), Context.NONE).getValue();
            return new ObjectMetadata(key, properties.getBlobSize(), unquoted(properties.getETag()), instant(properties.getLastModified()));
        });
    }

    @Override
    public ObjectMetadata put(String key, InputStream data, long size, PutOptions options, CallContext context)
            throws RemoteStorageException {
        BlobClient blob = container.getBlobClient(blobName(key));
        Objects.requireNonNull(data, "data is null");
        Objects.requireNonNull(options, "options is null");
        if (size < 0) {
            throw new IllegalArgumentException("size of put '" + key + "' is negative: " + size);
        }
        BlobHttpHeaders headers = new BlobHttpHeaders().setContentType(options.contentType());
        BlobRequestConditions conditions = options.ifAbsent() ? new BlobRequestConditions().setIfNoneMatch("*") : null;
        if (size <= blockUploadThreshold) {
            byte[] bytes = readExactly(data, (int) size, key, context);
            return call("put", key, context, options.ifAbsent(), () -> {
                Response<BlockBlobItem> response = blob.getBlockBlobClient().uploadWithResponse(
                        new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(bytes)).setHeaders(headers)
                                .setRequestConditions(conditions), timeout(context), Context.NONE);
                return new ObjectMetadata(key, size, unquoted(response.getValue().getETag()), instant(response.getValue().getLastModified()));
            });
        }
        List<String> blockIds = new ArrayList<>();
        long sent = 0;
        for (int number = 0; sent < size; number++) {
            int length = (int) Math.min(blockSize, size - sent);
            byte[] block = readUpTo(data, length, key, context);
            if (block.length < length) {
                throw new RemoteStorageException.Permanent("put", key, "the data ended after " + (sent + block.length)
                        + " of " + size + " bytes", null);
            }
            String blockId = Base64.getEncoder().encodeToString(ByteBuffer.allocate(16).putLong(0x5354524154414231L)
                    .putLong(number).array());
            call("put", key, context, false, () -> blob.getBlockBlobClient().stageBlockWithResponse(
                    new BlockBlobStageBlockOptions(blockId, BinaryData.fromBytes(block)), timeout(context), Context.NONE));
            blockIds.add(blockId);
            sent += length;
        }
        requireEnd(data, size, key);
        return call("put", key, context, options.ifAbsent(), () -> {
            Response<BlockBlobItem> response = blob.getBlockBlobClient().commitBlockListWithResponse(
                    new BlockBlobCommitBlockListOptions(blockIds).setHeaders(headers).setRequestConditions(conditions),
                    timeout(context), Context.NONE);
            return new ObjectMetadata(key, size, unquoted(response.getValue().getETag()), instant(response.getValue().getLastModified()));
        });
    }

    @Override
    public ObjectContent get(String key, ByteRange range, Optional<String> ifMatchEtag, CallContext context)
            throws RemoteStorageException {
        BlobClient blob = container.getBlobClient(blobName(key));
        Objects.requireNonNull(range, "range is null");
        ObjectMetadata metadata = properties("get", key, ifMatchEtag, context);
        long start = range.start(metadata.size());
        long length = range.length(metadata.size());
        if (length == 0) {
            return new ObjectContent(metadata, start, 0, InputStream.nullInputStream());
        }
        InputStream stream = call("get", key, context, false, () -> blob.openInputStream(new BlobInputStreamOptions()
                .setRange(new BlobRange(start, length))
                .setRequestConditions(new BlobRequestConditions().setIfMatch("\"" + metadata.etag() + "\""))));
        return new ObjectContent(metadata, start, length, new CheckedInputStream(stream, key, context, () -> { },
                failure -> AzureErrors.classify("get", key, failure, context, false)));
    }

    @Override
    public void delete(String key, CallContext context) throws RemoteStorageException {
        BlobClient blob = container.getBlobClient(blobName(key));
        try {
            call("delete", key, context, false, () -> blob.deleteWithResponse(DeleteSnapshotsOptionType.INCLUDE, null,
                    timeout(context), Context.NONE));
        } catch (RemoteStorageException.NotFound alreadyGone) {
            // missing counts as deleted
        }
    }

    @Override
    public List<DeleteResult> deleteBatch(List<String> keys, CallContext context) throws RemoteStorageException {
        List<String> names = keys.stream().map(this::blobName).toList();
        List<DeleteResult> results = new ArrayList<>(keys.size());
        for (int start = 0; start < keys.size(); start += maxKeysPerDelete) {
            int end = Math.min(keys.size(), start + maxKeysPerDelete);
            context.check("deleteBatch", null);
            List<String> batchKeys = keys.subList(start, end);
            List<String> distinct = names.subList(start, end).stream().distinct().toList();
            List<Response<Void>> responses = new ArrayList<>();
            RemoteStorageException whole = null;
            try {
                BlobBatch request = batch.getBlobBatch();
                for (String name : distinct) {
                    // The URL form: the (container, name) form URL-decodes the name, which breaks names with '%',
                    // and Azurite does not find blobs whose '/' arrives encoded.
                    responses.add(request.deleteBlob(container.getBlobClient(name).getBlobUrl(),
                            DeleteSnapshotsOptionType.INCLUDE, null));
                }
                call("deleteBatch", null, context, false, () -> batch.submitBatchWithResponse(request, false,
                        timeout(context), Context.NONE));
            } catch (RemoteStorageException e) {
                if (e instanceof RemoteStorageException.Cancelled || context.deadline().isExpired()) {
                    throw e;
                }
                whole = e;
            }
            for (String key : batchKeys) {
                if (whole != null) {
                    results.add(DeleteResult.failed(key, whole));
                    continue;
                }
                Response<Void> response = responses.get(distinct.indexOf(blobName(key)));
                int status;
                RemoteStorageException error = null;
                try {
                    status = response.getStatusCode();
                } catch (BlobStorageException e) {
                    status = e.getStatusCode();
                    error = AzureErrors.classify("delete", key, e, context, false);
                }
                boolean deleted = status == 202 || status == 200 || status == 404;
                results.add(deleted ? DeleteResult.deleted(key) : DeleteResult.failed(key, error != null ? error
                        : new RemoteStorageException.Permanent("delete", key, "batch answered " + status, null)));
            }
        }
        return results;
    }

    @Override
    public ObjectMetadata copy(String sourceKey, String targetKey, CallContext context) throws RemoteStorageException {
        BlobClient target = container.getBlobClient(blobName(targetKey));
        ObjectMetadata source = properties("copy", sourceKey, Optional.empty(), context);
        if (sourceKey.equals(targetKey)) {
            return source;
        }
        return new BlobCopy(container.getBlobClient(blobName(sourceKey)), target, sourceSas, sourceKey, targetKey, context,
                this::timeout).run(source.etag());
    }

    /** The pipeline every request goes through; for tests of which policy authorises requests. */
    HttpPipeline pipeline() {
        return container.getHttpPipeline();
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "AzureStorage[" + container.getBlobContainerUrl() + ", prefix " + prefix + "]";
    }

    private static byte[] readExactly(InputStream data, int size, String key, CallContext context) throws RemoteStorageException {
        byte[] bytes = readUpTo(data, size, key, context);
        if (bytes.length < size) {
            throw new RemoteStorageException.Permanent("put", key, "the data ended after " + bytes.length + " of " + size + " bytes", null);
        }
        requireEnd(data, size, key);
        return bytes;
    }

    private static byte[] readUpTo(InputStream data, int size, String key, CallContext context) throws RemoteStorageException {
        byte[] bytes = new byte[size];
        int filled = 0;
        while (filled < size) {
            context.check("put", key);
            int read;
            try {
                read = data.read(bytes, filled, Math.min(64 * 1024, size - filled));
            } catch (IOException e) {
                throw new RemoteStorageException.Permanent("put", key, "reading the data failed: " + e, e);
            }
            if (read < 0) {
                return java.util.Arrays.copyOf(bytes, filled);
            }
            filled += read;
        }
        return bytes;
    }

    private static void requireEnd(InputStream data, long size, String key) throws RemoteStorageException {
        int extra;
        try {
            extra = data.read();
        } catch (IOException e) {
            throw new RemoteStorageException.Permanent("put", key, "reading the data failed: " + e, e);
        }
        if (extra >= 0) {
            throw new RemoteStorageException.Permanent("put", key, "the data is longer than " + size + " bytes", null);
        }
    }
}
