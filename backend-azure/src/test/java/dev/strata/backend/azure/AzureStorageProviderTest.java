package dev.strata.backend.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpPipeline;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.storage.common.policy.StorageSharedKeyCredentialPolicy;
import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageProvider;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Configuration of the azure provider: pinned defaults, validation, secrets kept out of text. */
final class AzureStorageProviderTest {
    private static final AzureStorageProvider PROVIDER = new AzureStorageProvider();

    private static ProviderConfig parse(Map<String, String> section) {
        return ProviderConfig.parse("remote_storage", section, PROVIDER.configKeys());
    }

    @Test
    void isFoundThroughServiceLoaderAndPinsItsDefaults() {
        assertTrue(ServiceLoader.load(RemoteStorageProvider.class).stream()
                .anyMatch(provider -> provider.type() == AzureStorageProvider.class), "META-INF/services names the provider");
        ProviderConfig config = parse(Map.of("container", "layers"));
        assertEquals("", config.get(AzureStorageProvider.PREFIX));
        assertEquals(16L << 20, config.get(AzureStorageProvider.BLOCK_UPLOAD_THRESHOLD));
        assertEquals(8L << 20, config.get(AzureStorageProvider.BLOCK_SIZE));
        assertEquals(256, config.get(AzureStorageProvider.MAX_KEYS_PER_DELETE));
        assertEquals(false, config.get(AzureStorageProvider.CREATE_CONTAINER));
        assertEquals(Duration.ofMinutes(5), config.get(AzureStorageProvider.REQUEST_TIMEOUT));
        assertEquals(Optional.empty(), config.find(AzureStorageProvider.ENDPOINT));
        assertEquals("secret", config.get(AzureStorageProvider.AUTH));
        assertEquals(Optional.empty(), config.find(AzureStorageProvider.MANAGED_IDENTITY_CLIENT_ID));
    }

    @Test
    void secretsNeverAppearInText() {
        ProviderConfig config = parse(Map.of("container", "layers", "account_name", "acct", "account_key", "c2VjcmV0LWtleQ==",
                "sas_token", "sv=2024&sig=abc", "connection_string", "AccountKey=c2VjcmV0LWtleQ=="));
        assertFalse(config.toString().contains("c2VjcmV0LWtleQ"), config.toString());
        assertFalse(config.toString().contains("sig=abc"), config.toString());
    }

    @Test
    void invalidSettingsAreRefused() {
        ConfigException container = assertThrows(ConfigException.class, () -> parse(Map.of("container", "Bad_Name")));
        assertTrue(container.getMessage().contains("container = 'Bad_Name' is not a valid container name"), container.getMessage());
        ConfigException batch = assertThrows(ConfigException.class,
                () -> parse(Map.of("container", "layers", "max_keys_per_delete", "257")));
        assertTrue(batch.getMessage().contains("is not between 1 and 256"), batch.getMessage());
        RemoteStorageException.Permanent noCredentials = assertThrows(RemoteStorageException.Permanent.class,
                () -> PROVIDER.create(parse(Map.of("container", "layers", "account_name", "acct"))));
        assertTrue(noCredentials.getMessage().contains("needs connection_string, or account_name with account_key or sas_token"),
                noCredentials.getMessage());
    }

    @Test
    void aCopySourceCarriesTheSasOnlyWhenTheClientIsAuthorisedByOne() {
        assertEquals(Optional.of("sv=2024&sig=abc"), AzureStorage.sharedAccessSignature(parse(Map.of("container", "layers",
                "account_name", "acct", "sas_token", "sv=2024&sig=abc"))));
        assertEquals(Optional.empty(), AzureStorage.sharedAccessSignature(parse(Map.of("container", "layers",
                "account_name", "acct", "account_key", "c2VjcmV0LWtleQ==", "sas_token", "sv=2024&sig=abc"))),
                "the shared key authorises the source itself");
        assertEquals(Optional.of("sv=2024&sig=a=b"), AzureStorage.sharedAccessSignature(parse(Map.of("container", "layers",
                "connection_string", "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2024&sig=a=b"))));
        assertEquals(Optional.empty(), AzureStorage.sharedAccessSignature(parse(Map.of("container", "layers",
                "connection_string", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWtleQ=="))));
    }

    @Test
    void theDefaultCredentialIsChosenByAuthAndTakesNoSecret() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> parse(Map.of("container", "layers", "auth", "managed_identity")));
        assertTrue(unknown.getMessage().contains("auth = 'managed_identity' is not 'secret' or 'default_credential'"),
                unknown.getMessage());
        RemoteStorageException.Permanent withKey = assertThrows(RemoteStorageException.Permanent.class,
                () -> PROVIDER.create(parse(Map.of("container", "layers", "auth", "default_credential",
                        "account_name", "acct", "account_key", "c2VjcmV0LWtleQ=="))));
        assertTrue(withKey.getMessage().contains("auth = default_credential takes no secret, but account_key is set"),
                withKey.getMessage());
        RemoteStorageException.Permanent noAccount = assertThrows(RemoteStorageException.Permanent.class,
                () -> PROVIDER.create(parse(Map.of("container", "layers", "auth", "default_credential"))));
        assertTrue(noAccount.getMessage().contains("auth = default_credential needs account_name or endpoint"),
                noAccount.getMessage());
        RemoteStorageException.Permanent identityWithKey = assertThrows(RemoteStorageException.Permanent.class,
                () -> PROVIDER.create(parse(Map.of("container", "layers", "account_name", "acct",
                        "account_key", "c2VjcmV0LWtleQ==", "managed_identity_client_id", "0000-1111"))));
        assertTrue(identityWithKey.getMessage().contains("managed_identity_client_id needs auth = default_credential"),
                identityWithKey.getMessage());
    }

    /**
     * The storage is built with a token credential and nothing is contacted: a server socket stands where the
     * endpoint points and accepts no connection. (No request is made: a token request would go to Azure AD or to
     * the instance metadata service, which a test must not reach, and Azurite takes no tokens over plain HTTP.)
     */
    @Test
    void theDefaultCredentialBuildsATokenClientWithoutContactingAnything() throws Exception {
        try (ServerSocket endpoint = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            endpoint.setSoTimeout(300);
            String url = "https://127.0.0.1:" + endpoint.getLocalPort() + "/acct";
            try (RemoteStorage storage = PROVIDER.create(parse(Map.of("container", "layers", "auth", "default_credential",
                    "endpoint", url, "managed_identity_client_id", "00000000-0000-0000-0000-000000000001")))) {
                HttpPipeline pipeline = ((AzureStorage) storage).pipeline();
                List<HttpPipelinePolicy> policies = new ArrayList<>();
                for (int i = 0; i < pipeline.getPolicyCount(); i++) {
                    policies.add(pipeline.getPolicy(i));
                }
                assertTrue(policies.stream().anyMatch(BearerTokenAuthenticationPolicy.class::isInstance),
                        "requests carry a bearer token: " + policies);
                assertFalse(policies.stream().anyMatch(StorageSharedKeyCredentialPolicy.class::isInstance), policies.toString());
                assertTrue(storage.toString().contains(url), storage.toString());
            }
            assertThrows(SocketTimeoutException.class, endpoint::accept, "nothing connected to the endpoint");
        }
    }

    @Test
    void tokensAreRefusedOverPlainHttpBeforeAnyRequest() throws Exception {
        try (ServerSocket endpoint = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            endpoint.setSoTimeout(300);
            RemoteStorageException.Permanent http = assertThrows(RemoteStorageException.Permanent.class,
                    () -> PROVIDER.create(parse(Map.of("container", "layers", "auth", "default_credential",
                            "endpoint", "http://127.0.0.1:" + endpoint.getLocalPort() + "/acct"))));
            assertTrue(http.getMessage().contains("requires https"), http.getMessage());
            assertThrows(SocketTimeoutException.class, endpoint::accept, "nothing connected to the endpoint");
        }
    }
}
