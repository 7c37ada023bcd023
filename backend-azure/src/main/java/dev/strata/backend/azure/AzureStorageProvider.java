package dev.strata.backend.azure;

import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The {@code azure} provider: Azure Blob Storage through the Azure Storage Blob SDK, with the JDK HTTP client
 * (no Netty) and SDK retries off (core retries). How requests are authorised is {@code auth}:
 * <ul>
 *   <li>{@code secret} (the default): the first that is set of {@code connection_string}, {@code account_key}
 *       (shared key) and {@code sas_token}; none of them is a configuration error.</li>
 *   <li>{@code default_credential}: Azure's default credential chain (DefaultAzureCredential: environment
 *       variables, workload identity, managed identity, then developer logins such as the Azure CLI), for
 *       {@code account_name} or {@code endpoint}, optionally a user-assigned managed identity by
 *       {@code managed_identity_client_id}. No secret may be configured with it, and tokens go over HTTPS only.
 *       Building the storage acquires no token; the first request does.</li>
 * </ul>
 */
public final class AzureStorageProvider implements RemoteStorageProvider {
    /** The provider name used in configuration. */
    public static final String NAME = "azure";
    private static final long MIB = 1024 * 1024;

    static final ConfigKey<String> CONTAINER = ConfigKey.string("container", null, "The container that holds the objects.")
            .validatedBy(value -> value.matches("[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]"), "a valid container name (3-63 of a-z, 0-9, '-')");
    static final ConfigKey<String> PREFIX = ConfigKey.string("prefix", "",
            "A prefix inside the container under which every key lives; ends with '/'.")
            .validatedBy(value -> value.isEmpty() || value.endsWith("/") && !value.startsWith("/"), "empty or ending with '/'");
    static final ConfigKey<String> ACCOUNT_NAME = ConfigKey.string("account_name", null,
            "Storage account name; with account_key or sas_token.").asOptional();
    static final ConfigKey<URI> ENDPOINT = new ConfigKey<>("endpoint", "URL", URI::create, null, true,
            "Blob service endpoint (http://127.0.0.1:10000/devstoreaccount1 for Azurite); default https://<account_name>.blob.core.windows.net.",
            uri -> uri.getScheme() != null && uri.getHost() != null, "an absolute http(s) URL", false);
    static final ConfigKey<String> ACCOUNT_KEY = ConfigKey.string("account_key", null, "Shared key of the account.")
            .asOptional().asSecret();
    static final ConfigKey<String> SAS_TOKEN = ConfigKey.string("sas_token", null, "A shared access signature.")
            .asOptional().asSecret();
    static final ConfigKey<String> CONNECTION_STRING = ConfigKey.string("connection_string", null,
            "A full connection string; replaces account_name, account_key and endpoint.").asOptional().asSecret();
    /** {@code auth} value: a configured connection string, account key or SAS. */
    static final String AUTH_SECRET = "secret";
    /** {@code auth} value: Azure's default credential chain. */
    static final String AUTH_DEFAULT_CREDENTIAL = "default_credential";
    static final ConfigKey<String> AUTH = ConfigKey.string("auth", AUTH_SECRET,
            "How requests are authorised: 'secret' with connection_string, account_key or sas_token (the first that is "
                    + "set); 'default_credential' with Azure's default credential chain (environment, workload identity, "
                    + "managed identity, Azure CLI, ...), for account_name or endpoint, over HTTPS only.")
            .validatedBy(value -> value.equals(AUTH_SECRET) || value.equals(AUTH_DEFAULT_CREDENTIAL),
                    "'" + AUTH_SECRET + "' or '" + AUTH_DEFAULT_CREDENTIAL + "'");
    static final ConfigKey<String> MANAGED_IDENTITY_CLIENT_ID = ConfigKey.string("managed_identity_client_id", null,
            "With auth = default_credential: the client id of the user-assigned managed identity to use; absent for "
                    + "the system-assigned one (or the one the environment names).").asOptional()
            .validatedBy(value -> !value.isBlank(), "not blank");
    static final ConfigKey<Long> BLOCK_UPLOAD_THRESHOLD = ConfigKey.bytes("block_upload_threshold", 16 * MIB,
            "Objects larger than this are uploaded as staged blocks and a commit; smaller ones in one request.")
            .validatedBy(value -> value >= MIB && value <= 5000 * MIB, "between 1MiB and 5000MiB");
    static final ConfigKey<Long> BLOCK_SIZE = ConfigKey.bytes("block_size", 8 * MIB,
            "Size of each staged block (held in memory while it is sent).")
            .validatedBy(value -> value >= MIB && value <= 4000 * MIB, "between 1MiB and 4000MiB");
    static final ConfigKey<Integer> MAX_KEYS_PER_DELETE = ConfigKey.integer("max_keys_per_delete", 256,
            "Deletes per blob batch request (the service allows 256).")
            .validatedBy(value -> value >= 1 && value <= 256, "between 1 and 256");
    static final ConfigKey<Boolean> CREATE_CONTAINER = ConfigKey.bool("create_container", false,
            "Create the container when the storage is opened if it does not exist (for development stores such as Azurite).");
    static final ConfigKey<Duration> REQUEST_TIMEOUT = ConfigKey.duration("request_timeout", Duration.ofMinutes(5),
            "Upper bound of one request when the caller's deadline is longer.");

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
        return List.of(CONTAINER, PREFIX, ACCOUNT_NAME, ENDPOINT, AUTH, ACCOUNT_KEY, SAS_TOKEN, CONNECTION_STRING,
                MANAGED_IDENTITY_CLIENT_ID, BLOCK_UPLOAD_THRESHOLD, BLOCK_SIZE, MAX_KEYS_PER_DELETE, CREATE_CONTAINER, REQUEST_TIMEOUT);
    }

    @Override
    public RemoteStorage create(ProviderConfig config) throws RemoteStorageException {
        String section = "[" + config.section() + "] ";
        List<String> secrets = Stream.of(CONNECTION_STRING, ACCOUNT_KEY, SAS_TOKEN)
                .filter(key -> config.find(key).isPresent()).map(ConfigKey::name).toList();
        if (config.get(AUTH).equals(AUTH_DEFAULT_CREDENTIAL)) {
            if (!secrets.isEmpty()) {
                throw new RemoteStorageException.Permanent("open", null, section + "auth = " + AUTH_DEFAULT_CREDENTIAL
                        + " takes no secret, but " + String.join(", ", secrets) + " is set", null);
            }
            if (config.find(ACCOUNT_NAME).isEmpty() && config.find(ENDPOINT).isEmpty()) {
                throw new RemoteStorageException.Permanent("open", null, section + "auth = " + AUTH_DEFAULT_CREDENTIAL
                        + " needs account_name or endpoint", null);
            }
            return AzureStorage.open(config);
        }
        if (config.find(MANAGED_IDENTITY_CLIENT_ID).isPresent()) {
            throw new RemoteStorageException.Permanent("open", null, section + "managed_identity_client_id needs auth = "
                    + AUTH_DEFAULT_CREDENTIAL, null);
        }
        boolean account = config.find(ACCOUNT_NAME).isPresent()
                && (config.find(ACCOUNT_KEY).isPresent() || config.find(SAS_TOKEN).isPresent());
        if (config.find(CONNECTION_STRING).isEmpty() && !account) {
            throw new RemoteStorageException.Permanent("open", null, section
                    + "needs connection_string, or account_name with account_key or sas_token (or auth = "
                    + AUTH_DEFAULT_CREDENTIAL + ")", null);
        }
        return AzureStorage.open(config);
    }

    @Override
    public String toString() {
        return "RemoteStorageProvider[" + NAME + "]";
    }
}
