package dev.strata.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.api.remote.RemoteStorageProvider;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Configuration of the s3 provider: pinned defaults, validation, secrets kept out of text. */
final class S3StorageProviderTest {
    private static final S3StorageProvider PROVIDER = new S3StorageProvider();

    private static ProviderConfig parse(Map<String, String> section) {
        return ProviderConfig.parse("remote_storage", section, PROVIDER.configKeys());
    }

    @Test
    void isFoundThroughServiceLoaderAndPinsItsDefaults() {
        assertTrue(ServiceLoader.load(RemoteStorageProvider.class).stream()
                .anyMatch(provider -> provider.type() == S3StorageProvider.class), "META-INF/services names the provider");
        assertEquals(RemoteStorageProvider.API_MAJOR_VERSION, PROVIDER.apiMajorVersion());
        S3Settings settings = S3Settings.from(parse(Map.of("bucket", "b")));
        assertEquals(new S3Settings("b", "", "us-east-1", Optional.empty(), false, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 16L << 20, 8L << 20, 5L << 30, 512L << 20, 1000, false, Duration.ofSeconds(10), 64,
                Duration.ofMinutes(5)), settings);
    }

    @Test
    void secretsNeverAppearInText() {
        ProviderConfig config = parse(Map.of("bucket", "b", "access_key_id", "AKIAEXAMPLE",
                "secret_access_key", "wJalrXUtnFEMI/K7MDENG", "session_token", "token-value", "endpoint", "http://127.0.0.1:9"));
        assertFalse(config.toString().contains("wJalrXUtnFEMI"), config.toString());
        assertFalse(config.toString().contains("token-value"), config.toString());
        S3Settings settings = S3Settings.from(config);
        assertFalse(settings.toString().contains("wJalrXUtnFEMI"), settings.toString());
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9")), settings.endpoint());
    }

    @Test
    void invalidSettingsAreRefusedWithTheKeyNamed() {
        for (Map.Entry<Map<String, String>, String> bad : List.<Map.Entry<Map<String, String>, String>>of(
                Map.entry(Map.of("bucket", "b", "multipart_threshold", "1MiB"), "multipart_threshold = '1MiB' is not between 5MiB and 5GiB"),
                Map.entry(Map.of("bucket", "b", "multipart_copy_threshold", "6GiB"), "multipart_copy_threshold = '6GiB' is not between 5MiB and 5GiB"),
                Map.entry(Map.of("bucket", "b", "multipart_copy_part_size", "4MiB"), "multipart_copy_part_size = '4MiB' is not between 5MiB and 5GiB"),
                Map.entry(Map.of("bucket", "b", "prefix", "no-slash"), "prefix = 'no-slash' is not empty or ending with '/'"),
                Map.entry(Map.of("bucket", "b", "endpoint", "localhost"), "endpoint = 'localhost' is not an absolute http(s) URL"),
                Map.entry(Map.of("bucket", "b", "max_keys_per_delete", "1001"), "max_keys_per_delete = '1001' is not between 1 and 1000"),
                Map.entry(Map.<String, String>of(), "bucket is required"))) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(bad.getKey()));
            assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
        }
        RemoteStorageException.Permanent halfKeys = assertThrows(RemoteStorageException.Permanent.class,
                () -> PROVIDER.create(parse(Map.of("bucket", "b", "access_key_id", "AKIA"))));
        assertTrue(halfKeys.getMessage().contains("access_key_id and secret_access_key must be given together"));
    }
}
