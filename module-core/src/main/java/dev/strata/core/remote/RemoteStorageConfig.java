package dev.strata.core.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.strata.api.remote.ConfigException;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import dev.strata.api.remote.RemoteStorageProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code [remote_storage]} section of a TOML configuration: {@code provider = "<name>"}, the retry keys of
 * {@link RetryPolicy}, and the chosen provider's own keys, all in one flat section:
 *
 * <pre>
 * [remote_storage]
 * provider = "s3"
 * retry_max_attempts = 5
 * bucket = "strata-prod"
 * </pre>
 *
 * Values may be TOML strings, numbers or booleans; they reach the provider as text and are validated by its keys.
 */
public record RemoteStorageConfig(String provider, Map<String, String> settings) {
    /** The section's name in the file. */
    public static final String SECTION = "remote_storage";
    private static final TomlMapper TOML = new TomlMapper();

    public RemoteStorageConfig {
        Objects.requireNonNull(provider, "provider is null");
        settings = Map.copyOf(settings);
    }

    /** Reads the section from a TOML file; a missing section or provider is a ConfigException. */
    public static RemoteStorageConfig read(Path file) throws IOException {
        JsonNode root = TOML.readTree(file.toFile());
        JsonNode section = root == null ? null : root.get(SECTION);
        if (section == null || !section.isObject()) {
            throw new ConfigException(file + ": no [" + SECTION + "] section");
        }
        return fromSection(file.toString(), section);
    }

    /** Reads an already parsed {@code [remote_storage]} table; {@code source} names the file in messages. */
    public static RemoteStorageConfig fromSection(String source, JsonNode section) {
        if (!section.isObject()) {
            throw new ConfigException(source + ": [" + SECTION + "] must be a table");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : section.properties()) {
            JsonNode value = entry.getValue();
            if (!value.isValueNode()) {
                throw new ConfigException("[" + SECTION + "] " + entry.getKey() + " must be a string, number or boolean");
            }
            settings.put(entry.getKey(), value.asText());
        }
        String provider = settings.remove("provider");
        if (provider == null) {
            throw new ConfigException(source + ": [" + SECTION + "] provider is required (for example \"localfs\")");
        }
        return new RemoteStorageConfig(provider, settings);
    }

    /** The same section with one setting replaced (for example a relative path resolved). */
    public RemoteStorageConfig with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(settings);
        copy.put(key, value);
        return new RemoteStorageConfig(provider, copy);
    }

    /** Parses the provider's keys and the retry keys together, so an unknown key is reported with all known ones. */
    public Parsed parse(RemoteStorageProvider chosen) {
        List<ConfigKey<?>> keys = new ArrayList<>(chosen.configKeys());
        keys.addAll(RetryPolicy.configKeys());
        ProviderConfig all = ProviderConfig.parse(SECTION, settings, keys);
        Map<String, String> providerSettings = new LinkedHashMap<>(settings);
        RetryPolicy.configKeys().forEach(key -> providerSettings.remove(key.name()));
        return new Parsed(ProviderConfig.parse(SECTION, providerSettings, chosen.configKeys()), RetryPolicy.from(all));
    }

    /** The provider's section and the retry policy. */
    public record Parsed(ProviderConfig providerConfig, RetryPolicy retryPolicy) {
        public Parsed {
            Objects.requireNonNull(providerConfig, "providerConfig is null");
            Objects.requireNonNull(retryPolicy, "retryPolicy is null");
        }
    }
}
