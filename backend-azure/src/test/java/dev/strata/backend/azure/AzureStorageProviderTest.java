package dev.strata.backend.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.time.Duration;
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
}
