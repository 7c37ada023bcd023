package dev.strata.backend.s3;

import dev.strata.api.remote.ProviderConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The parsed {@code s3} section; {@link #toString()} leaves out the secrets. */
record S3Settings(String bucket, String prefix, String region, Optional<URI> endpoint, boolean pathStyle,
        Optional<String> accessKeyId, Optional<String> secretAccessKey, Optional<String> sessionToken,
        Optional<String> storageClass, long multipartThreshold, long partSize, long multipartCopyThreshold,
        long multipartCopyPartSize, int maxKeysPerDelete,
        boolean deleteContentMd5, Duration connectTimeout, int maxConnections, Duration requestTimeout) {

    S3Settings {
        Objects.requireNonNull(bucket, "bucket is null");
        Objects.requireNonNull(prefix, "prefix is null");
        Objects.requireNonNull(region, "region is null");
        Objects.requireNonNull(endpoint, "endpoint is null");
        Objects.requireNonNull(accessKeyId, "accessKeyId is null");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey is null");
        Objects.requireNonNull(sessionToken, "sessionToken is null");
        Objects.requireNonNull(storageClass, "storageClass is null");
        Objects.requireNonNull(connectTimeout, "connectTimeout is null");
        Objects.requireNonNull(requestTimeout, "requestTimeout is null");
    }

    static S3Settings from(ProviderConfig config) {
        return new S3Settings(config.get(S3StorageProvider.BUCKET), config.get(S3StorageProvider.PREFIX),
                config.get(S3StorageProvider.REGION), config.find(S3StorageProvider.ENDPOINT),
                config.get(S3StorageProvider.PATH_STYLE), config.find(S3StorageProvider.ACCESS_KEY_ID),
                config.find(S3StorageProvider.SECRET_ACCESS_KEY), config.find(S3StorageProvider.SESSION_TOKEN),
                config.find(S3StorageProvider.STORAGE_CLASS), config.get(S3StorageProvider.MULTIPART_THRESHOLD),
                config.get(S3StorageProvider.PART_SIZE), config.get(S3StorageProvider.MULTIPART_COPY_THRESHOLD),
                config.get(S3StorageProvider.MULTIPART_COPY_PART_SIZE), config.get(S3StorageProvider.MAX_KEYS_PER_DELETE),
                config.get(S3StorageProvider.DELETE_CONTENT_MD5), config.get(S3StorageProvider.CONNECT_TIMEOUT),
                config.get(S3StorageProvider.MAX_CONNECTIONS),
                config.get(S3StorageProvider.REQUEST_TIMEOUT));
    }

    @Override
    public String toString() {
        return "S3Settings[bucket=" + bucket + ", prefix=" + prefix + ", region=" + region + ", endpoint="
                + endpoint.map(URI::toString).orElse("aws") + ", pathStyle=" + pathStyle + ", credentials="
                + (accessKeyId.isPresent() ? "static " + accessKeyId.get() + "/****" : "default chain")
                + ", multipartThreshold=" + multipartThreshold + ", partSize=" + partSize
                + ", multipartCopyThreshold=" + multipartCopyThreshold + ", multipartCopyPartSize=" + multipartCopyPartSize + "]";
    }
}
