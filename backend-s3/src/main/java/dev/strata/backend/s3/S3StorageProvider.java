package dev.strata.backend.s3;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The {@code s3} provider: Amazon S3 and S3-compatible stores through the AWS SDK for Java v2, with the
 * Apache 5 HTTP client chosen explicitly (never discovered) and SDK retries off (core retries). Credentials: static keys when
 * {@code access_key_id} is set, else the SDK's default chain (environment, profile, web identity / IRSA through
 * STS, container and instance metadata).
 */
public final class S3StorageProvider implements RemoteStorageProvider {
    /** The provider name used in configuration. */
    public static final String NAME = "s3";
    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;

    static final ConfigKey<String> BUCKET = ConfigKey.string("bucket", null, "The bucket that holds the objects.")
            .validatedBy(value -> !value.isBlank(), "not blank");
    static final ConfigKey<String> PREFIX = ConfigKey.string("prefix", "",
            "A prefix inside the bucket under which every key lives, for several deployments in one bucket; ends with '/'.")
            .validatedBy(value -> value.isEmpty() || value.endsWith("/") && !value.startsWith("/"),
                    "empty or ending with '/' (and not starting with '/')");
    static final ConfigKey<String> REGION = ConfigKey.string("region", "us-east-1", "The AWS region of the bucket.");
    static final ConfigKey<URI> ENDPOINT = new ConfigKey<>("endpoint", "URL", URI::create, null, true,
            "Endpoint of an S3-compatible store (http://127.0.0.1:9000); absent for AWS itself.",
            uri -> uri.getScheme() != null && uri.getHost() != null, "an absolute http(s) URL", false);
    static final ConfigKey<Boolean> PATH_STYLE = ConfigKey.bool("path_style", false,
            "Address the bucket in the path (http://host/bucket/key) instead of the host name; most S3-compatible stores need it.");
    static final ConfigKey<String> ACCESS_KEY_ID = ConfigKey.string("access_key_id", null,
            "Static access key id; when absent the default credential chain is used.").asOptional();
    static final ConfigKey<String> SECRET_ACCESS_KEY = ConfigKey.string("secret_access_key", null,
            "Static secret key, required with access_key_id.").asOptional().asSecret();
    static final ConfigKey<String> SESSION_TOKEN = ConfigKey.string("session_token", null,
            "Session token of temporary static credentials.").asOptional().asSecret();
    static final ConfigKey<String> STORAGE_CLASS = ConfigKey.string("storage_class", null,
            "Storage class of new objects (STANDARD, INTELLIGENT_TIERING, ...); absent for the bucket's default.").asOptional();
    static final ConfigKey<Long> MULTIPART_THRESHOLD = ConfigKey.bytes("multipart_threshold", 16 * MIB,
            "Objects larger than this are uploaded in parts; smaller ones are buffered and sent in one request.")
            .validatedBy(value -> value >= 5 * MIB && value <= 5L * 1024 * MIB, "between 5MiB and 5GiB");
    static final ConfigKey<Long> PART_SIZE = ConfigKey.bytes("multipart_part_size", 8 * MIB,
            "Size of each part of a multipart upload (held in memory while it is sent).")
            .validatedBy(value -> value >= 5 * MIB && value <= 512 * MIB, "between 5MiB and 512MiB");
    static final ConfigKey<Long> MULTIPART_COPY_THRESHOLD = ConfigKey.bytes("multipart_copy_threshold", 5L * GIB,
            "Copies of objects larger than this are multipart copies (UploadPartCopy of byte ranges); smaller ones one "
                    + "CopyObject request, which S3 allows up to 5GiB.")
            .validatedBy(value -> value >= 5 * MIB && value <= 5L * GIB, "between 5MiB and 5GiB");
    static final ConfigKey<Long> MULTIPART_COPY_PART_SIZE = ConfigKey.bytes("multipart_copy_part_size", 512 * MIB,
            "Size of each part of a multipart copy (copied by the store, not held here); raised for objects that would "
                    + "need more than 10000 parts.")
            .validatedBy(value -> value >= 5 * MIB && value <= 5L * GIB, "between 5MiB and 5GiB");
    static final ConfigKey<Integer> MAX_KEYS_PER_DELETE = ConfigKey.integer("max_keys_per_delete", 1000,
            "Keys per DeleteObjects request; some S3-compatible stores accept fewer.")
            .validatedBy(value -> value >= 1 && value <= 1000, "between 1 and 1000");
    static final ConfigKey<Boolean> DELETE_CONTENT_MD5 = ConfigKey.bool("delete_content_md5", false,
            "Send Content-MD5 with DeleteObjects (and other requests that need a checksum), for stores that do not accept the SDK's CRC checksums.");
    static final ConfigKey<Duration> CONNECT_TIMEOUT = ConfigKey.duration("connect_timeout", Duration.ofSeconds(10),
            "How long opening a connection may take.");
    static final ConfigKey<Integer> MAX_CONNECTIONS = ConfigKey.integer("max_connections", 64,
            "Size of the HTTP connection pool.").validatedBy(value -> value >= 1 && value <= 10_000, "between 1 and 10000");
    static final ConfigKey<Duration> REQUEST_TIMEOUT = ConfigKey.duration("request_timeout", Duration.ofMinutes(5),
            "Upper bound of one request when the caller's deadline is longer (the deadline always applies).");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int apiMajorVersion() {
        return RemoteStorageProvider.API_MAJOR_VERSION;
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(BUCKET, PREFIX, REGION, ENDPOINT, PATH_STYLE, ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN,
                STORAGE_CLASS, MULTIPART_THRESHOLD, PART_SIZE, MULTIPART_COPY_THRESHOLD, MULTIPART_COPY_PART_SIZE,
                MAX_KEYS_PER_DELETE, DELETE_CONTENT_MD5,
                CONNECT_TIMEOUT, MAX_CONNECTIONS, REQUEST_TIMEOUT);
    }

    @Override
    public RemoteStorage create(ProviderConfig config) throws RemoteStorageException {
        if (config.find(ACCESS_KEY_ID).isPresent() != config.find(SECRET_ACCESS_KEY).isPresent()) {
            throw new RemoteStorageException.Permanent("open", null,
                    "[" + config.section() + "] access_key_id and secret_access_key must be given together", null);
        }
        return S3Storage.open(S3Settings.from(config));
    }

    @Override
    public String toString() {
        return "RemoteStorageProvider[" + NAME + "]";
    }
}
